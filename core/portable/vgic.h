#pragma once
/// \file
/// \brief The virtual GIC's emulated registers: the distributor (GICv2 and GICv3) and the
/// GICv3 redistributors, as a guest programs them to enable, prioritise and route its
/// interrupts.
///
/// Only configuration lives here (enables, priorities, groups, trigger modes, routing): the
/// *delivery* of interrupts goes through the hardware's list registers, so pending and active
/// state is the list registers' business and the ISPENDR/ICPENDR/ISACTIVER/ICACTIVER
/// registers read as zero and ignore writes — a simplification a guest driver does not notice.

#include <array>
#include <cstdint>
#include <optional>

#include "core/portable/gic_registers.h"
#include "core/portable/machine_info.h"

namespace el2lab::vgic {

/// \ingroup gic
/// \brief An SGI a guest asked for by writing GICD_SGIR (GICv2).
struct SgiRequest {
  bool valid = false;            ///< A request was made.
  std::uint32_t intid = 0;       ///< SGI number 0–15.
  std::uint8_t target_list = 0;  ///< CPU interfaces (bit n = vCPU n).
  std::uint8_t filter = 0;       ///< 0: the list, 1: all but self, 2: self only.
};

/// \ingroup gic
/// \brief The emulated distributor and redistributors of one VM.
class VirtualGic {
 public:
  /// Most vCPUs a VM may have.
  static constexpr std::uint32_t kMaxVcpus = 8;
  /// SPIs the virtual distributor implements (INTIDs 32–95).
  static constexpr std::uint32_t kSpiCount = 64;
  /// Size of one GICv3 redistributor (RD frame + SGI frame).
  static constexpr std::uint64_t kRedistributorStride = gic::gicr::kStride;

  /// A virtual GIC of \p version for \p vcpu_count vCPUs (clamped to kMaxVcpus).
  VirtualGic(GicVersion version, std::uint32_t vcpu_count);

  /// A guest read of the distributor at \p offset; nullopt for an access no register allows.
  std::optional<std::uint64_t> distributor_read(std::uint64_t offset, unsigned width,
                                                std::uint32_t vcpu) const;
  /// A guest write to the distributor; false for an access no register allows. A GICD_SGIR
  /// write fills \p sgi.
  bool distributor_write(std::uint64_t offset, unsigned width, std::uint64_t value,
                         std::uint32_t vcpu, SgiRequest* sgi = nullptr);
  /// A guest read of the redistributor region (GICv3) at \p offset from its base.
  std::optional<std::uint64_t> redistributor_read(std::uint64_t offset, unsigned width) const;
  /// A guest write to the redistributor region (GICv3).
  bool redistributor_write(std::uint64_t offset, unsigned width, std::uint64_t value);

  /// What injecting one interrupt needs to know, found in one look-up.
  struct Delivery {
    bool deliverable = false;      ///< As deliverable().
    bool group1 = false;           ///< As group1().
    std::uint8_t priority = 0xff;  ///< As priority().
  };
  /// deliverable(), group1() and priority() of \p intid on \p vcpu at once (the injection
  /// path asks for all three). Inline: it is on that path.
  Delivery delivery(std::uint32_t intid, std::uint32_t vcpu) const {
    if (vcpu >= vcpu_count_ || !valid_intid(intid)) return {};
    const bool banked = intid < 32;
    const std::uint32_t i = banked ? intid : intid - 32;
    Delivery d;
    d.group1 = banked ? cpus_[vcpu].banked.group1[i] : spis_.group1[i];
    d.priority = banked ? cpus_[vcpu].banked.priority[i] : spis_.priority[i];
    const bool enabled = banked ? cpus_[vcpu].banked.enabled[i] : spis_.enabled[i];
    // GICD_CTLR's group enables gate every interrupt of their group, PPIs included.
    d.deliverable = enabled && (ctlr_ & (d.group1 ? 0x2u : 0x1u)) != 0;
    return d;
  }
  /// True if the guest has enabled \p intid for \p vcpu and the distributor's group enable is on.
  bool deliverable(std::uint32_t intid, std::uint32_t vcpu) const {
    return delivery(intid, vcpu).deliverable;
  }
  /// The priority the guest gave \p intid on \p vcpu.
  std::uint8_t priority(std::uint32_t intid, std::uint32_t vcpu) const;
  /// True if the guest put \p intid in group 1.
  bool group1(std::uint32_t intid, std::uint32_t vcpu) const;
  /// The generation emulated.
  GicVersion version() const { return version_; }

 private:
  // Per-interrupt state of the 32 banked INTIDs (SGIs and PPIs) of one vCPU, or of the SPIs.
  template <std::size_t N>
  struct Bank {
    std::array<bool, N> enabled{};
    std::array<bool, N> group1{};
    std::array<std::uint8_t, N> priority{};
    std::array<std::uint8_t, N> config{};  // 2-bit ICFGR field
  };
  struct Cpu {
    Bank<32> banked;
    bool asleep = true;  // GICR_WAKER.ProcessorSleep
  };

  std::optional<std::uint64_t> bank_read(std::uint64_t offset, unsigned width,
                                         std::uint32_t base_intid, std::uint32_t count,
                                         std::uint32_t vcpu) const;
  bool bank_write(std::uint64_t offset, unsigned width, std::uint64_t value,
                  std::uint32_t base_intid, std::uint32_t count, std::uint32_t vcpu);
  bool valid_intid(std::uint32_t intid) const { return intid < 32 + kSpiCount; }

  GicVersion version_;
  std::uint32_t vcpu_count_;
  std::uint32_t ctlr_ = 0;
  std::array<Cpu, kMaxVcpus> cpus_{};
  Bank<kSpiCount> spis_;
  std::array<std::uint8_t, kSpiCount> targets_{};  // GICv2 ITARGETSR
  std::array<std::uint64_t, kSpiCount> routes_{};  // GICv3 IROUTER
};

}  // namespace el2lab::vgic
