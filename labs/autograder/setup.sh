#!/bin/sh
# Gradescope runs this once, when it builds the autograder image: the project's own setup
# script installs the toolchain, QEMU and GDB, then the tree is built so that grading a
# submission only rebuilds the lab's image. Paths: EL2LAB_SOURCE (default /autograder/source).
set -eu
SOURCE=${EL2LAB_SOURCE:-${AUTOGRADER_ROOT:-/autograder}/source}
cd "$SOURCE"
tools/setup.sh
make build
