#pragma once
/// \file
/// \brief Lab 04's reference solution: VirqHal, the reference HAL with the list registers
/// written on the raw registers (lr_access.h) and the encoding of lr_codec.h.

#include <cstdint>
#include <string_view>

#include "core/board/qemu-virt/qemu_virt_hal.h"
#include "labs/04-virtual-interrupts/lr_access.h"
#include "labs/04-virtual-interrupts/solution/lr_codec.h"

namespace el2lab::labs {

struct VirqHal : board::QemuVirtHal {
  static std::string_view name() { return "VirqHal"; }

  /// ICH_VTR_EL2.ListRegs / GICH_VTR.ListRegs, plus one.
  static unsigned list_register_count() {
    if (lr_access::is_gicv3())
      return static_cast<unsigned>(lr_access::read_ich_vtr_el2() & 0x1f) + 1;
    return (lr_access::read_gich(lr_access::kGichVtr) & 0x3f) + 1;
  }

  static gic::ListEntry read_list_register(unsigned n) {
    if (lr_access::is_gicv3()) return lr_codec::decode_v3(lr_access::read_ich_lr(n));
    return lr_codec::decode_v2(lr_access::read_gich(lr_access::kGichLr0 + 4ull * n));
  }

  [[gnu::noinline]] static void write_list_register(unsigned n, const gic::ListEntry& entry) {
    if (lr_access::is_gicv3()) {
      lr_access::write_ich_lr(n, lr_codec::encode_v3(entry));
    } else {
      lr_access::write_gich(lr_access::kGichLr0 + 4ull * n, lr_codec::encode_v2(entry));
    }
  }

  /// Empty (ELRSR) or finished with an EOI maintenance request (EISR): both are free to reuse.
  static std::uint32_t empty_list_registers() {
    const unsigned count = list_register_count();
    const std::uint32_t all = count >= 32 ? ~0u : (1u << count) - 1;
    if (lr_access::is_gicv3()) {
      return static_cast<std::uint32_t>(lr_access::read_ich_elrsr_el2() |
                                        lr_access::read_ich_eisr_el2()) &
             all;
    }
    return (lr_access::read_gich(lr_access::kGichElrsr0) |
            lr_access::read_gich(lr_access::kGichEisr0)) &
           all;
  }
};

static_assert(VCpuHal<VirqHal>);

}  // namespace el2lab::labs
