#include "core/portable/fdt_writer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/portable/test_dtc.h"

namespace el2lab::fdt {
namespace {

using test_support::DtcResult;

std::uint32_t be32_at(const std::vector<std::uint8_t>& blob, std::size_t offset) {
  return (std::uint32_t{blob[offset]} << 24) | (std::uint32_t{blob[offset + 1]} << 16) |
         (std::uint32_t{blob[offset + 2]} << 8) | std::uint32_t{blob[offset + 3]};
}

DtcResult run_dtc(const std::vector<std::uint8_t>& blob) {
  return test_support::run_dtc(blob, "fdt_writer_test");
}

// Writes a small but varied tree through \p w; shared by the tests that need "some tree".
void write_sample(Writer& w) {
  w.begin_node("");
  w.property_u32("#address-cells", 2);
  w.property_u32("#size-cells", 2);
  const std::array<std::string_view, 2> compatible = {"acme,board", "acme,family"};
  w.property_strings("compatible", compatible);
  w.property_string("model", "Acme test board");
  w.property_u32("interrupt-parent", 7);

  w.begin_node("memory@40000000");
  w.property_string("device_type", "memory");
  const std::array<Region, 2> banks = {Region{0x4000'0000, 0x1000'0000},
                                       Region{0x1'0000'0000, 0x2000'0000}};
  w.property_reg("reg", banks, 2, 2);
  w.end_node();

  w.begin_node("intc@8000000");
  w.property_string("compatible", "arm,gic-v3");
  const std::array<Region, 1> gicd = {Region{0x0800'0000, 0x10000}};
  w.property_reg("reg", gicd, 2, 2);
  w.property_u32("#interrupt-cells", 3);
  // dtc wants an interrupt provider to say how many address cells interrupt-map entries give it.
  w.property_u32("#address-cells", 0);
  w.property_empty("interrupt-controller");
  w.property_u32("phandle", 7);
  w.end_node();

  w.begin_node("bus@0");
  w.property_u32("#address-cells", 1);
  w.property_u32("#size-cells", 1);
  // Child address 0 is parent address 0, for 512 MiB.
  const std::array<std::uint32_t, 4> ranges = {0, 0, 0, 0x2000'0000};
  w.property_cells("ranges", ranges);
  w.begin_node("serial@9000000");
  w.property_string("compatible", "arm,pl011");
  const std::array<Region, 1> uart = {Region{0x0900'0000, 0x1000}};
  w.property_reg("reg", uart, 1, 1);
  const std::array<std::uint32_t, 3> irq = {0, 1, 4};
  w.property_cells("interrupts", irq);
  w.end_node();
  w.end_node();

  w.begin_node("chosen");
  w.property_string("bootargs", "console=ttyAMA0 quiet");
  w.property_u64("linux,initrd-start", 0x4800'0000);
  w.property_u64("linux,initrd-end", 0x1'2345'6789);
  const std::array<std::uint8_t, 5> odd = {1, 2, 3, 4, 5};  // Not a multiple of 4: padding.
  w.property("blob", odd);
  w.end_node();
  w.end_node();
}

std::vector<std::uint8_t> sample_blob() {
  std::vector<std::uint8_t> buffer(4096);
  Writer w(buffer);
  write_sample(w);
  auto size = w.finish();
  EXPECT_TRUE(size) << writer_error_name(w.error());
  buffer.resize(size.value_or(0));
  return buffer;
}

TEST(FdtWriter, EmptyRootHasValidHeader) {
  std::vector<std::uint8_t> buffer(256, 0xaa);
  Writer w(buffer);
  w.begin_node("");
  w.end_node();
  auto size = w.finish();
  ASSERT_TRUE(size);
  // 40 header + 16 reservation entry + BEGIN_NODE "" (8) + END_NODE + END, no strings.
  EXPECT_EQ(*size, 72u);
  EXPECT_EQ(be32_at(buffer, 0), Fdt::kMagic);
  EXPECT_EQ(be32_at(buffer, 4), 72u);   // totalsize
  EXPECT_EQ(be32_at(buffer, 8), 56u);   // off_dt_struct
  EXPECT_EQ(be32_at(buffer, 12), 72u);  // off_dt_strings
  EXPECT_EQ(be32_at(buffer, 16), 40u);  // off_mem_rsvmap
  EXPECT_EQ(be32_at(buffer, 20), 17u);  // version
  EXPECT_EQ(be32_at(buffer, 24), 16u);  // last_comp_version
  EXPECT_EQ(be32_at(buffer, 28), 0u);   // boot_cpuid_phys
  EXPECT_EQ(be32_at(buffer, 32), 0u);   // size_dt_strings
  EXPECT_EQ(be32_at(buffer, 36), 16u);  // size_dt_struct
  for (std::size_t i = 40; i < 56; ++i) EXPECT_EQ(buffer[i], 0) << i;

  auto fdt = Fdt::from(buffer.data(), *size);
  ASSERT_TRUE(fdt);
  EXPECT_EQ(fdt->root().name(), "");
}

TEST(FdtWriter, PropertiesReadBack) {
  auto blob = sample_blob();
  auto fdt = Fdt::from(blob.data(), blob.size());
  ASSERT_TRUE(fdt);
  Node root = fdt->root();
  EXPECT_EQ(root.child_address_cells(), 2u);
  EXPECT_EQ(root.child_size_cells(), 2u);
  EXPECT_TRUE(root.is_compatible("acme,board"));
  EXPECT_TRUE(root.is_compatible("acme,family"));
  EXPECT_FALSE(root.is_compatible("acme"));
  EXPECT_EQ(root.property("model")->as_string(), "Acme test board");
  const std::vector<std::uint8_t> list(root.property("compatible")->bytes().begin(),
                                       root.property("compatible")->bytes().end());
  const std::string expected("acme,board\0acme,family\0", 23);
  EXPECT_EQ(std::string(list.begin(), list.end()), expected);

  auto chosen = fdt->find_path("/chosen");
  ASSERT_TRUE(chosen);
  EXPECT_EQ(chosen->property("bootargs")->as_string(), "console=ttyAMA0 quiet");
  EXPECT_EQ(chosen->property("linux,initrd-start")->as_u64(), 0x4800'0000u);
  EXPECT_EQ(chosen->property("linux,initrd-end")->as_u64(), 0x1'2345'6789u);
  auto odd = chosen->property("blob");
  ASSERT_TRUE(odd);
  ASSERT_EQ(odd->bytes().size(), 5u);
  EXPECT_EQ(odd->bytes()[4], 5);

  auto intc = fdt->find_path("/intc@8000000");
  ASSERT_TRUE(intc);
  auto flag = intc->property("interrupt-controller");
  ASSERT_TRUE(flag);
  EXPECT_TRUE(flag->bytes().empty());
  EXPECT_EQ(intc->property("#interrupt-cells")->as_u32(), 3u);
}

TEST(FdtWriter, RegDecodesWithParentCells) {
  auto blob = sample_blob();
  auto fdt = Fdt::from(blob.data(), blob.size());
  ASSERT_TRUE(fdt);
  auto memory = fdt->find_path("/memory");
  ASSERT_TRUE(memory);
  EXPECT_EQ(memory->name(), "memory@40000000");
  EXPECT_EQ(memory->reg(0)->base, 0x4000'0000u);
  EXPECT_EQ(memory->reg(0)->size, 0x1000'0000u);
  EXPECT_EQ(memory->reg(1)->base, 0x1'0000'0000u);
  EXPECT_EQ(memory->reg(1)->size, 0x2000'0000u);
  EXPECT_FALSE(memory->reg(2));

  // Nested two levels down, under a parent with one-cell addresses and sizes.
  auto serial = fdt->find_path("/bus@0/serial@9000000");
  ASSERT_TRUE(serial);
  EXPECT_EQ(serial->reg()->base, 0x0900'0000u);
  EXPECT_EQ(serial->reg()->size, 0x1000u);
  EXPECT_EQ(serial->property("reg")->bytes().size(), 8u);
  EXPECT_EQ(serial->property("interrupts")->number_at(2, 1), 4u);
}

TEST(FdtWriter, NodesKeepTheirOrderAndPhandles) {
  auto blob = sample_blob();
  auto fdt = Fdt::from(blob.data(), blob.size());
  ASSERT_TRUE(fdt);
  std::vector<std::string> names;
  fdt->root().for_each_child([&](const Node& child) {
    names.emplace_back(child.name());
    return true;
  });
  EXPECT_EQ(names,
            (std::vector<std::string>{"memory@40000000", "intc@8000000", "bus@0", "chosen"}));
  auto parent = fdt->root().property("interrupt-parent")->as_u32();
  ASSERT_TRUE(parent);
  auto gic = fdt->find_phandle(*parent);
  ASSERT_TRUE(gic);
  EXPECT_EQ(gic->name(), "intc@8000000");
  EXPECT_EQ(fdt->find_compatible("arm,pl011")->name(), "serial@9000000");
}

TEST(FdtWriter, PropertyNamesAreStoredOnce) {
  std::vector<std::uint8_t> buffer(1024);
  Writer w(buffer);
  w.begin_node("");
  w.property_u32("#address-cells", 1);
  w.property_u32("#size-cells", 0);
  for (int i = 0; i < 5; ++i) {
    w.begin_node("n@" + std::to_string(i));
    w.property_u32("reg", i);
    w.property_string("compatible", "x");
    // A name that is the tail of a stored one can share its bytes.
    w.property_u32("address-cells", 0);
    w.end_node();
  }
  w.end_node();
  auto size = w.finish();
  ASSERT_TRUE(size);
  buffer.resize(*size);
  // "#address-cells\0" + "#size-cells\0" + "reg\0" + "compatible\0".
  EXPECT_EQ(be32_at(buffer, 32), 15u + 12u + 4u + 11u);
  auto fdt = Fdt::from(buffer.data(), buffer.size());
  ASSERT_TRUE(fdt);
  auto node = fdt->find_path("/n@3");
  ASSERT_TRUE(node);
  ASSERT_TRUE(node->reg());
  EXPECT_EQ(node->reg()->base, 3u);
  EXPECT_TRUE(node->is_compatible("x"));
  EXPECT_EQ(node->property("address-cells")->as_u32(), 0u);
  EXPECT_EQ(fdt->root().property("#address-cells")->as_u32(), 1u);
}

TEST(FdtWriter, DtcDecompilesTheBlob) {
  DtcResult dtc = run_dtc(sample_blob());
  EXPECT_EQ(dtc.exit_status, 0) << dtc.warnings;
  EXPECT_EQ(dtc.warnings, "");
  for (const char* line : {
           "compatible = \"acme,board\\0acme,family\";",
           "model = \"Acme test board\";",
           "memory@40000000 {",
           "reg = <0x00 0x40000000 0x00 0x10000000 0x01 0x00 0x00 0x20000000>;",
           "interrupt-controller;",
           "ranges = <0x00 0x00 0x00 0x20000000>;",
           "serial@9000000 {",
           "reg = <0x9000000 0x1000>;",
           "interrupts = <0x00 0x01 0x04>;",
           "bootargs = \"console=ttyAMA0 quiet\";",
           "linux,initrd-end = <0x01 0x23456789>;",
           "blob = [01 02 03 04 05];",
       }) {
    EXPECT_NE(dtc.dts.find(line), std::string::npos) << line << "\n" << dtc.dts;
  }
}

TEST(FdtWriter, EveryTooSmallBufferFailsCleanly) {
  const std::size_t needed = sample_blob().size();
  for (std::size_t size = 0; size < needed; ++size) {
    // Exactly size bytes on the heap, so ASan flags any write past the end.
    std::vector<std::uint8_t> buffer(size);
    Writer w(buffer);
    write_sample(w);
    EXPECT_FALSE(w.finish()) << size;
    EXPECT_EQ(w.error(), WriterError::kOverflow) << size;
  }
  std::vector<std::uint8_t> exact(needed);
  Writer w(exact);
  write_sample(w);
  EXPECT_EQ(w.finish(), needed);
  EXPECT_EQ(exact, sample_blob());
  EXPECT_TRUE(Fdt::from(exact.data(), exact.size()));
}

TEST(FdtWriter, LargerBufferGivesTheSameBlob) {
  std::vector<std::uint8_t> buffer(64 * 1024, 0xee);
  Writer w(buffer);
  write_sample(w);
  auto size = w.finish();
  ASSERT_TRUE(size);
  EXPECT_EQ(std::vector<std::uint8_t>(buffer.begin(), buffer.begin() + std::ptrdiff_t(*size)),
            sample_blob());
  // The parser accepts it with the whole buffer as its bound: totalsize is what counts.
  EXPECT_TRUE(Fdt::from(buffer.data(), buffer.size()));
}

TEST(FdtWriter, UnbalancedNodesFail) {
  std::vector<std::uint8_t> buffer(256);
  {
    Writer w(buffer);
    w.begin_node("");
    w.end_node();
    w.end_node();  // One too many.
    EXPECT_FALSE(w.finish());
    EXPECT_EQ(w.error(), WriterError::kUnbalanced);
  }
  {
    Writer w(buffer);
    w.begin_node("");
    w.begin_node("child");
    w.end_node();  // The root is never closed.
    EXPECT_FALSE(w.finish());
    EXPECT_EQ(w.error(), WriterError::kUnbalanced);
  }
  {
    Writer w(buffer);  // No root at all.
    EXPECT_FALSE(w.finish());
    EXPECT_EQ(w.error(), WriterError::kUnbalanced);
  }
  {
    Writer w(buffer);
    w.end_node();
    EXPECT_EQ(w.error(), WriterError::kUnbalanced);
    EXPECT_FALSE(w.finish());
  }
}

TEST(FdtWriter, OutOfOrderCallsFail) {
  std::vector<std::uint8_t> buffer(256);
  {
    Writer w(buffer);
    w.property_u32("x", 1);  // No node open.
    EXPECT_EQ(w.error(), WriterError::kMisplaced);
  }
  {
    Writer w(buffer);
    w.begin_node("");
    w.begin_node("child");
    w.end_node();
    w.property_u32("late", 1);  // The root's properties ended with its first child.
    EXPECT_EQ(w.error(), WriterError::kMisplaced);
    w.end_node();
    EXPECT_FALSE(w.finish());
  }
  {
    Writer w(buffer);
    w.begin_node("");
    w.end_node();
    w.begin_node("");  // A second root.
    EXPECT_EQ(w.error(), WriterError::kMisplaced);
  }
}

TEST(FdtWriter, InvalidNamesAndValuesFail) {
  std::vector<std::uint8_t> buffer(256);
  auto error_after = [&](auto&& calls) {
    Writer w(buffer);
    w.begin_node("");
    calls(w);
    EXPECT_FALSE(w.finish());
    return w.error();
  };
  using std::string_view_literals::operator""sv;
  EXPECT_EQ(error_after([](Writer& w) { w.begin_node(""); }), WriterError::kBadName);
  EXPECT_EQ(error_after([](Writer& w) { w.begin_node("a/b"); }), WriterError::kBadName);
  EXPECT_EQ(error_after([](Writer& w) { w.begin_node("a\0b"sv); }), WriterError::kBadName);
  EXPECT_EQ(error_after([](Writer& w) { w.property_empty(""); }), WriterError::kBadName);
  EXPECT_EQ(error_after([](Writer& w) { w.property_empty("a\0b"sv); }), WriterError::kBadName);
  EXPECT_EQ(error_after([](Writer& w) { w.property_string("s", "a\0b"sv); }),
            WriterError::kBadValue);
  const std::array<Region, 1> high = {Region{0x1'0000'0000, 0x1000}};
  EXPECT_EQ(error_after([&](Writer& w) { w.property_reg("reg", high, 1, 1); }),
            WriterError::kBadValue);
  const std::array<Region, 1> sized = {Region{0x1000, 0x1000}};
  EXPECT_EQ(error_after([&](Writer& w) { w.property_reg("reg", sized, 1, 0); }),
            WriterError::kBadValue);
  EXPECT_EQ(error_after([&](Writer& w) { w.property_reg("reg", sized, 3, 1); }),
            WriterError::kBadValue);
  {
    Writer w(buffer);
    w.begin_node("named");  // The root has no name.
    EXPECT_EQ(w.error(), WriterError::kBadName);
  }
}

TEST(FdtWriter, FirstErrorSticks) {
  std::vector<std::uint8_t> buffer(256);
  Writer w(buffer);
  w.begin_node("");
  w.property_string("s", std::string_view("\0", 1));
  EXPECT_FALSE(w.ok());
  w.end_node();
  w.end_node();  // Would be kUnbalanced, but the writer already gave up.
  EXPECT_EQ(w.error(), WriterError::kBadValue);
  EXPECT_FALSE(w.finish());
}

TEST(FdtWriter, FinishIsIdempotentAndFinal) {
  std::vector<std::uint8_t> buffer(256);
  Writer w(buffer);
  w.begin_node("");
  w.property_u32("x", 1);
  w.end_node();
  auto first = w.finish();
  ASSERT_TRUE(first);
  EXPECT_EQ(w.finish(), first);
  w.begin_node("");
  EXPECT_EQ(w.error(), WriterError::kMisplaced);
  EXPECT_FALSE(w.finish());
}

TEST(FdtWriter, ErrorNamesAreDistinct) {
  const std::array errors = {WriterError::kNone,       WriterError::kOverflow,
                             WriterError::kUnbalanced, WriterError::kBadName,
                             WriterError::kBadValue,   WriterError::kMisplaced};
  for (std::size_t i = 0; i < errors.size(); ++i) {
    EXPECT_FALSE(writer_error_name(errors[i]).empty());
    for (std::size_t j = 0; j < i; ++j) {
      EXPECT_NE(writer_error_name(errors[i]), writer_error_name(errors[j]));
    }
  }
}

}  // namespace
}  // namespace el2lab::fdt
