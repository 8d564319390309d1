"""Unit tests of the function names the breakdown prints (symbols.short_name)."""

from __future__ import annotations

import unittest

from symbols import short_name


class ShortNameTest(unittest.TestCase):
    def test_parameter_lists_go_lambdas_stay(self) -> None:
        self.assertEqual(
            short_name("el2lab::Vm<H>::handle(el2lab::VmExit&)::{lambda(el2lab::Halt const&)#5}"
                       "::operator()(el2lab::Halt const&) const"),
            "el2lab::Vm<H>::handle::{lambda#5}::operator()")

    def test_anonymous_namespace_is_named(self) -> None:
        self.assertEqual(short_name("el2lab::(anonymous namespace)::decode_call(int)"),
                         "el2lab::{anonymous}::decode_call")

    def test_long_names_lose_template_arguments(self) -> None:
        name = ("std::__detail::__variant::__gen_vtable_impl<std::__detail::__variant::_Multi_"
                "array<std::__detail::__variant::__deduce_visit_result<void> >, std::integer_"
                "sequence<unsigned long, 0ul> >::__visit_invoke(F&&, V&&)")
        self.assertEqual(short_name(name), "std::__detail::__variant::__gen_vtable_impl<…>::__visit_invoke")

    def test_plain_c_names_are_unchanged(self) -> None:
        self.assertEqual(short_name("memset"), "memset")
        self.assertEqual(short_name("el2lab_current_el_irq"), "el2lab_current_el_irq")


if __name__ == "__main__":
    unittest.main()
