#pragma once
// Test support: dtc, the reference device tree compiler, as a judge of the blobs el2lab writes
// — an implementation independent of ours.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace el2lab::test_support {

/// What dtc made of a blob.
struct DtcResult {
  int exit_status = -1;  ///< dtc's exit status (-1 if it did not run).
  std::string dts;       ///< stdout: the decompiled source.
  std::string warnings;  ///< stderr.
};

/// The text of the file at \p path (empty if it cannot be read).
inline std::string read_text(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// Decompiles \p blob with `dtc -I dtb -O dts`; \p name keeps the temporary files of different
/// test programs apart.
inline DtcResult run_dtc(const std::vector<std::uint8_t>& blob, const std::string& name) {
  const std::string base = testing::TempDir() + name + "_" + std::to_string(getpid());
  const std::string dtb = base + ".dtb";
  const std::string err = base + ".err";
  {
    std::ofstream out(dtb, std::ios::binary);
    out.write(reinterpret_cast<const char*>(blob.data()), std::streamsize(blob.size()));
  }
  DtcResult result;
  const std::string command = "dtc -I dtb -O dts " + dtb + " 2>" + err;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> chunk;
  std::size_t n = 0;
  while ((n = fread(chunk.data(), 1, chunk.size(), pipe)) > 0) result.dts.append(chunk.data(), n);
  const int status = pclose(pipe);
  result.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.warnings = read_text(err);
  std::remove(dtb.c_str());
  std::remove(err.c_str());
  return result;
}

}  // namespace el2lab::test_support
