#pragma once
/// \file
/// \brief read_once(): a load other CPUs may race with, as one plain load instruction.

#include <type_traits>

namespace el2lab {

/// \ingroup vmm
/// \brief Loads \p value once, as one single-copy-atomic access: what a relaxed atomic load
/// promises for an aligned word or smaller, written as a volatile load. GCC builds a relaxed
/// `__atomic_load_n` of a member from its address in a register of its own (an extra add on
/// every use); a volatile load takes the member's offset in the instruction. For flags and
/// counters on the exit path that other CPUs write.
template <typename T>
requires(std::is_trivially_copyable_v<T> && sizeof(T) <= 8) inline T read_once(const T& value) {
  return *static_cast<const volatile T*>(&value);
}

}  // namespace el2lab
