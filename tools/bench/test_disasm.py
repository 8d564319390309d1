"""Unit tests of how disasm.py reads objdump's line information (-l)."""

from __future__ import annotations

import unittest

from disasm import FUNCTION, INSN, SOURCE_FUNCTION


class SourceFunctionTest(unittest.TestCase):
    def test_the_lines_that_name_a_source_function(self) -> None:
        # What objdump -d -l -C prints before the instructions of an inlined call.
        for line, name in [
            ("el2lab::labs::DynamicHal::irq_fetch():", "el2lab::labs::DynamicHal::irq_fetch()"),
            ("el2lab::labs::DynamicHal::irq_priority_drop(unsigned int):",
             "el2lab::labs::DynamicHal::irq_priority_drop(unsigned int)"),
            ("el2lab::VirtualGic::delivery(unsigned int) const:",
             "el2lab::VirtualGic::delivery(unsigned int) const"),
        ]:
            m = SOURCE_FUNCTION.match(line)
            self.assertIsNotNone(m, line)
            self.assertEqual(m.group(1), name)

    def test_other_lines_are_not_source_functions(self) -> None:
        for line in ["/work/main/labs/03-dispatch/solution/dynamic_hal.h:64",
                     "    70005c1c:\tblr\tx0",
                     "0000000070005720 <el2lab::Aarch64VCpu<el2lab::labs::DynamicHal>::run()>:",
                     "Disassembly of section .text:", ""]:
            self.assertIsNone(SOURCE_FUNCTION.match(line), line)

    def test_instructions_and_function_heads_still_parse(self) -> None:
        self.assertIsNotNone(INSN.match("    70005c1c:\tblr\tx0"))
        self.assertIsNotNone(
            FUNCTION.match("0000000070005720 <el2lab::Aarch64VCpu<el2lab::labs::DynamicHal>::run()>:"))


if __name__ == "__main__":
    unittest.main()
