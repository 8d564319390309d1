#include "core/portable/fdt.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "core/portable/test_dtbs.h"

namespace el2lab::fdt {
namespace {

// A device tree QEMU itself dumped at build time (see CMakeLists.txt): real input.
std::vector<std::uint8_t> qemu_dtb(int gic, int smp) {
  auto blob = test_support::qemu_dtb(gic, smp);
  EXPECT_FALSE(blob.empty()) << "missing test DTB; run the build first";
  return blob;
}

// A tiny FDT writer, enough to build corner cases QEMU never produces.
class Builder {
 public:
  Builder& begin(const std::string& name) {
    word(1);
    bytes(name.c_str(), name.size() + 1);
    return *this;
  }
  Builder& end() { return word(2); }
  Builder& nop() { return word(4); }
  Builder& prop(const std::string& name, const std::vector<std::uint32_t>& cells) {
    std::vector<std::uint8_t> value;
    for (auto c : cells) {
      for (int shift = 24; shift >= 0; shift -= 8) value.push_back(std::uint8_t(c >> shift));
    }
    return prop_bytes(name, value);
  }
  Builder& prop_str(const std::string& name, const std::string& s) {
    return prop_bytes(name, std::vector<std::uint8_t>(s.c_str(), s.c_str() + s.size() + 1));
  }
  Builder& prop_bytes(const std::string& name, const std::vector<std::uint8_t>& value) {
    word(3);
    word(static_cast<std::uint32_t>(value.size()));
    word(static_cast<std::uint32_t>(strings_.size()));
    strings_.insert(strings_.end(), name.begin(), name.end());
    strings_.push_back(0);
    bytes(value.data(), value.size());
    return *this;
  }
  std::vector<std::uint8_t> finish() {
    word(9);
    std::vector<std::uint8_t> out(40);
    const std::uint32_t struct_off = 40;
    const std::uint32_t strings_off = struct_off + std::uint32_t(struct_.size());
    const std::uint32_t total = strings_off + std::uint32_t(strings_.size());
    const std::uint32_t header[10] = {0xd00dfeed,
                                      total,
                                      struct_off,
                                      strings_off,
                                      40,
                                      17,
                                      16,
                                      0,
                                      std::uint32_t(strings_.size()),
                                      std::uint32_t(struct_.size())};
    for (int i = 0; i < 10; ++i) {
      for (int b = 0; b < 4; ++b) out[i * 4 + b] = std::uint8_t(header[i] >> (24 - 8 * b));
    }
    out.insert(out.end(), struct_.begin(), struct_.end());
    out.insert(out.end(), strings_.begin(), strings_.end());
    return out;
  }

 private:
  Builder& word(std::uint32_t w) {
    for (int shift = 24; shift >= 0; shift -= 8) struct_.push_back(std::uint8_t(w >> shift));
    return *this;
  }
  void bytes(const void* p, std::size_t n) {
    auto* b = static_cast<const std::uint8_t*>(p);
    struct_.insert(struct_.end(), b, b + n);
    while (struct_.size() % 4) struct_.push_back(0);
  }
  std::vector<std::uint8_t> struct_;
  std::vector<char> strings_;
};

TEST(Fdt, RejectsBadHeaders) {
  Error error = Error::kNone;
  EXPECT_FALSE(Fdt::from(nullptr, 100, &error));
  EXPECT_EQ(error, Error::kNullPointer);

  auto blob = Builder().begin("").end().finish();
  EXPECT_TRUE(Fdt::from(blob.data(), blob.size(), &error));
  EXPECT_EQ(error, Error::kNone);
  EXPECT_FALSE(Fdt::from(blob.data(), blob.size() - 1, &error)) << "totalsize beyond max_size";
  EXPECT_EQ(error, Error::kBadSize);

  auto bad_magic = blob;
  bad_magic[0] ^= 0xff;
  EXPECT_FALSE(Fdt::from(bad_magic.data(), bad_magic.size(), &error));
  EXPECT_EQ(error, Error::kBadMagic);
  EXPECT_EQ(Fdt::total_size(bad_magic.data()), 0u);

  auto old = blob;
  old[23] = 15;  // version
  EXPECT_FALSE(Fdt::from(old.data(), old.size(), &error));
  EXPECT_EQ(error, Error::kBadVersion);

  auto bad_layout = blob;
  bad_layout[11] = 0xfc;  // struct block offset far beyond the end
  EXPECT_FALSE(Fdt::from(bad_layout.data(), bad_layout.size(), &error));
  EXPECT_EQ(error, Error::kBadLayout);
  EXPECT_FALSE(error_name(error).empty());
}

TEST(Fdt, ReadsCellsStringsAndRegWithParentCells) {
  auto blob = Builder()
                  .begin("")
                  .prop("#address-cells", {1})
                  .prop("#size-cells", {1})
                  .nop()
                  .begin("soc")
                  .prop("#address-cells", {2})
                  .prop("#size-cells", {0})
                  .begin("dev@1234")
                  .prop("reg", {0x1, 0x2345, 0x0, 0x9})
                  .prop_bytes("compatible", {'a', 0, 'b', 'c', 0})
                  .end()
                  .end()
                  .begin("memory@80000000")
                  .prop_str("device_type", "memory")
                  .prop("reg", {0x80000000, 0x1000, 0x90000000, 0x2000})
                  .end()
                  .end()
                  .finish();
  auto fdt = Fdt::from(blob.data(), blob.size());
  ASSERT_TRUE(fdt);

  auto mem = fdt->find_path("/memory");
  ASSERT_TRUE(mem);
  EXPECT_EQ(mem->name(), "memory@80000000");
  EXPECT_EQ(mem->base_name(), "memory");
  EXPECT_EQ(mem->property("device_type")->as_string(), "memory");
  EXPECT_EQ(mem->reg(0)->base, 0x80000000u);
  EXPECT_EQ(mem->reg(0)->size, 0x1000u);
  EXPECT_EQ(mem->reg(1)->base, 0x90000000u);
  EXPECT_FALSE(mem->reg(2));

  auto dev = fdt->find_path("/soc/dev@1234");
  ASSERT_TRUE(dev);
  EXPECT_EQ(dev->reg(0)->base, 0x100002345u);
  EXPECT_EQ(dev->reg(0)->size, 0u);  // parent has #size-cells = 0
  EXPECT_EQ(dev->reg(1)->base, 0x9u);
  EXPECT_TRUE(dev->is_compatible("a"));
  EXPECT_TRUE(dev->is_compatible("bc"));
  EXPECT_FALSE(dev->is_compatible("b"));
  EXPECT_EQ(fdt->find_compatible("bc")->name(), "dev@1234");
  EXPECT_FALSE(fdt->find_path("/soc/dev@9999"));
  EXPECT_FALSE(fdt->find_path("relative"));

  int nodes = 0;
  fdt->for_each_node([&](const Node&) { return ++nodes, true; });
  EXPECT_EQ(nodes, 4);
}

class QemuDtb : public ::testing::TestWithParam<std::pair<int, int>> {};

TEST_P(QemuDtb, FindsTheVirtBoardNodes) {
  const auto [gic, smp] = GetParam();
  auto blob = qemu_dtb(gic, smp);
  auto fdt = Fdt::from(blob.data(), blob.size());
  ASSERT_TRUE(fdt);
  EXPECT_EQ(Fdt::total_size(blob.data()), blob.size());

  // The QEMU command line gave -m 1G, -smp N and -append; QEMU's virt RAM starts at 1 GiB.
  auto mem = fdt->find_path("/memory");
  ASSERT_TRUE(mem);
  EXPECT_EQ(mem->reg()->base, 0x40000000u);
  EXPECT_EQ(mem->reg()->size, 1ull << 30);

  int cpus = 0;
  fdt->find_path("/cpus")->for_each_child([&](const Node& n) {
    if (n.base_name() == "cpu") ++cpus;
    return true;
  });
  EXPECT_EQ(cpus, smp);

  auto chosen = fdt->find_path("/chosen");
  ASSERT_TRUE(chosen);
  EXPECT_EQ(chosen->property("bootargs")->as_string(), "el2lab.test=1 console=ttyAMA0");

  auto uart = fdt->find_compatible("arm,pl011");
  ASSERT_TRUE(uart);
  EXPECT_EQ(uart->reg()->base, 0x09000000u);

  auto gic_node = fdt->find_compatible(gic == 3 ? "arm,gic-v3" : "arm,cortex-a15-gic");
  ASSERT_TRUE(gic_node);
  EXPECT_EQ(gic_node->reg(0)->base, 0x08000000u);
  auto phandle = gic_node->property("phandle");
  ASSERT_TRUE(phandle);
  EXPECT_EQ(fdt->find_phandle(*phandle->as_u32())->name(), gic_node->name());
}

INSTANTIATE_TEST_SUITE_P(Virt, QemuDtb,
                         ::testing::Values(std::pair{2, 1}, std::pair{2, 2}, std::pair{2, 4},
                                           std::pair{3, 1}, std::pair{3, 2}, std::pair{3, 4}));

// A corrupted blob must never make the parser read out of bounds (ASan watches) or loop.
TEST(Fdt, SurvivesEveryTruncationAndByteFlip) {
  auto blob = qemu_dtb(3, 2);
  auto walk = [](const std::vector<std::uint8_t>& b) {
    auto fdt = Fdt::from(b.data(), b.size());
    if (!fdt) return;
    fdt->for_each_node([](const Node& n) {
      (void)n.name();
      (void)n.reg(0);
      (void)n.is_compatible("arm,pl011");
      return true;
    });
    (void)fdt->find_path("/chosen");
  };
  // QEMU pads its blob to 1 MiB; only the header, struct and strings blocks carry data.
  const std::size_t used = std::min<std::size_t>(blob.size(), 16 * 1024);
  for (std::size_t len = 0; len < used; len += 5) {
    std::vector<std::uint8_t> cut(blob.begin(), blob.begin() + static_cast<long>(len));
    walk(cut);
  }
  std::vector<std::uint8_t> head(blob.begin(), blob.begin() + static_cast<long>(used));
  // Shrink totalsize so the header agrees with the shortened copy.
  for (int b = 0; b < 4; ++b) head[4 + b] = std::uint8_t(used >> (24 - 8 * b));
  for (std::size_t i = 0; i < used; ++i) {
    auto flipped = head;
    flipped[i] ^= 0xa5;
    walk(flipped);
  }
}

}  // namespace
}  // namespace el2lab::fdt
