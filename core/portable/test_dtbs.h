#pragma once
// Test support: the device trees QEMU dumps at build time (core/portable/CMakeLists.txt).
#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace el2lab::test_support {

/// The bytes of the file at \p path (empty if it cannot be read).
inline std::vector<std::uint8_t> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// QEMU virt's device tree for gic-version=\p gic and -smp \p smp (with -m 1G, an initrd and
/// bootargs "el2lab.test=1 console=ttyAMA0").
inline std::vector<std::uint8_t> qemu_dtb(int gic, int smp) {
  return read_file(std::string(EL2LAB_TEST_DTB_DIR) + "/virt-gicv" + std::to_string(gic) + "-smp" +
                   std::to_string(smp) + ".dtb");
}

}  // namespace el2lab::test_support
