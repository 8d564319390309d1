#pragma once
/// \file
/// \brief Lab 04 — virtual interrupts: VirqHal, the reference HAL whose list registers you
/// write yourself, on the raw registers of lr_access.h with your encoding (lr_codec.h).
///
/// The core decides *what* goes into a list register (vgic::VirtualInterrupts: the timer's
/// tick, an SGI from another vCPU) as a gic::ListEntry; these four members put it there and
/// read it back. Until they work, no virtual interrupt reaches the guest.

#include <cstdint>
#include <string_view>

#include "core/board/qemu-virt/qemu_virt_hal.h"
#include "labs/04-virtual-interrupts/lr_access.h"
#include "labs/04-virtual-interrupts/lr_codec.h"

namespace el2lab::labs {

struct VirqHal : board::QemuVirtHal {
  static std::string_view name() { return "VirqHal"; }

  /// How many list registers this CPU's virtual interface has.
  static unsigned list_register_count() {
    // TODO(04.3): GICv3: ICH_VTR_EL2 bits [4:0] + 1 (lr_access::read_ich_vtr_el2()).
    //             GICv2: GICH_VTR bits [5:0] + 1 (lr_access::read_gich(lr_access::kGichVtr)).
    return 0;  // "no list registers": the core never injects anything
  }

  /// List register \p n, decoded.
  static gic::ListEntry read_list_register(unsigned n) {
    // TODO(04.3): read ICH_LR<n>_EL2 (lr_access::read_ich_lr) or GICH_LR<n> (kGichLr0 + 4n)
    //             and decode it with your lr_codec::decode_v3 / decode_v2.
    (void)n;
    return {};
  }

  /// Writes \p entry into list register \p n.
  [[gnu::noinline]] static void write_list_register(unsigned n, const gic::ListEntry& entry) {
    // TODO(04.3): encode it (lr_codec::encode_v3 / encode_v2) and write the register.
    (void)n;
    (void)entry;
  }

  /// A bit per list register free for a new interrupt: empty (ICH_ELRSR_EL2 / GICH_ELRSR0),
  /// or finished by the guest with an EOI maintenance request (ICH_EISR_EL2 / GICH_EISR0).
  /// Only the bits of existing list registers may be set.
  static std::uint32_t empty_list_registers() {
    // TODO(04.3): (ELRSR | EISR), masked to list_register_count() bits.
    return 0;
  }
};

static_assert(VCpuHal<VirqHal>);

}  // namespace el2lab::labs
