#!/usr/bin/env bash
# tools/setup.sh — make sure every tool el2lab needs is installed.
#
# The Makefile calls this before anything else, so `make run` and `make test`
# work on a fresh Debian/Ubuntu machine. It only looks for files and commands
# (well under a second when everything is there) and installs what is missing
# from Debian packages. Without root it prints the exact command to run.
set -euo pipefail

# "package|how to tell it is installed" — a command name, or an absolute path.
requirements=(
  "make|make"
  "cmake|cmake"
  "g++|g++"
  "python3|python3"
  "g++-aarch64-linux-gnu|aarch64-linux-gnu-g++"
  "binutils-aarch64-linux-gnu|aarch64-linux-gnu-objcopy"
  "qemu-system-arm|qemu-system-aarch64"
  "qemu-utils|qemu-img"
  "gdb-multiarch|gdb-multiarch"
  "libgtest-dev|/usr/include/gtest/gtest.h"
  "doxygen|doxygen"
  "doxygen-awesome-css|/usr/share/doxygen-awesome-css/doxygen-awesome.css"
  "graphviz|dot"
  "plantuml|/usr/share/plantuml/plantuml.jar"
  "default-jre-headless|java"
  "device-tree-compiler|dtc"
  "chromium|chromium"
  "clang-format|clang-format"
  "clang-tidy|clang-tidy"
  "cppcheck|cppcheck"
)

missing=()
for req in "${requirements[@]}"; do
  pkg=${req%%|*}
  probe=${req#*|}
  if [[ $probe == /* ]]; then
    [[ -e $probe ]] || missing+=("$pkg")
  else
    command -v "$probe" >/dev/null 2>&1 || missing+=("$pkg")
  fi
done

((${#missing[@]} == 0)) && exit 0

echo "el2lab setup: installing missing packages: ${missing[*]}"
install_cmd=(apt-get install -y --no-install-recommends "${missing[@]}")

if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    install_cmd=(sudo "${install_cmd[@]}")
    update_cmd=(sudo apt-get update)
  else
    echo "el2lab setup: not running as root. Please run:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
else
  update_cmd=(apt-get update)
fi

export DEBIAN_FRONTEND=noninteractive
# A fresh machine has empty package lists; refresh them once before installing.
"${update_cmd[@]}" -qq
"${install_cmd[@]}" -qq
