#include "core/portable/vgic.h"

#include "core/portable/gic.h"
#include "core/portable/gic_registers.h"

namespace el2lab::vgic {
namespace {

// Register offsets (gic_registers.h); the distributor's per-INTID banks double as the GICv3
// SGI frame's, at the same offsets from that frame.
namespace gicd = gic::gicd;
namespace gicr = gic::gicr;

constexpr std::uint32_t kIidrArm = 0x43b;    // implementer: ARM
constexpr std::uint32_t kCtlrAre = 1u << 4;  // GICv3 affinity routing (always on here)

bool aligned(std::uint64_t offset, unsigned width) {
  return offset % width == 0;
}

}  // namespace

VirtualGic::VirtualGic(GicVersion version, std::uint32_t vcpu_count)
    : version_(version),
      vcpu_count_(vcpu_count == 0 ? 1 : (vcpu_count > kMaxVcpus ? kMaxVcpus : vcpu_count)) {
  // SGIs are always enabled, and edge-triggered, as the architecture fixes them.
  for (auto& cpu : cpus_) {
    for (std::uint32_t i = 0; i < gic::kSgiCount; ++i) {
      cpu.banked.enabled[i] = true;
      cpu.banked.config[i] = 2;
    }
  }
  if (version_ == GicVersion::kV3) ctlr_ = kCtlrAre;
}

// The "one bit / two bits / one byte per interrupt" registers of a range of INTIDs starting at
// base_intid (0 for the banked SGI/PPI registers, 32 for SPIs); offset is from the register
// block's start (GICD or SGI frame), so the same code serves both.
std::optional<std::uint64_t> VirtualGic::bank_read(std::uint64_t offset, unsigned width,
                                                   std::uint32_t base_intid, std::uint32_t count,
                                                   std::uint32_t vcpu) const {
  auto bit_register = [&](std::uint64_t block, auto get) -> std::optional<std::uint64_t> {
    if (width != 4) return std::nullopt;
    const std::uint32_t first = static_cast<std::uint32_t>((offset - block) * 8);
    std::uint64_t v = 0;
    for (std::uint32_t i = 0; i < 32; ++i) {
      const std::uint32_t intid = first + i;
      if (intid >= base_intid && intid < base_intid + count && get(intid)) v |= 1ull << i;
    }
    return v;
  };
  const auto& cpu = cpus_[vcpu].banked;
  auto enabled = [&](std::uint32_t intid) {
    return intid < 32 ? cpu.enabled[intid] : spis_.enabled[intid - 32];
  };
  auto group = [&](std::uint32_t intid) {
    return intid < 32 ? cpu.group1[intid] : spis_.group1[intid - 32];
  };
  if (offset >= gicd::kIgroupr && offset < gicd::kIsenabler)
    return bit_register(gicd::kIgroupr, group);
  if (offset >= gicd::kIsenabler && offset < gicd::kIcenabler)
    return bit_register(gicd::kIsenabler, enabled);
  if (offset >= gicd::kIcenabler && offset < gicd::kIspendr)
    return bit_register(gicd::kIcenabler, enabled);
  if (offset >= gicd::kIspendr && offset < gicd::kIcactiver + 0x80)
    return width == 4 ? std::optional<std::uint64_t>(0) : std::nullopt;
  if (offset >= gicd::kIpriorityr && offset < gicd::kIpriorityr + 0x400) {
    if (width != 1 && width != 4) return std::nullopt;
    std::uint64_t v = 0;
    for (unsigned b = 0; b < width; ++b) {
      const std::uint32_t intid = static_cast<std::uint32_t>(offset - gicd::kIpriorityr) + b;
      if (intid >= base_intid && intid < base_intid + count) {
        v |= std::uint64_t{intid < 32 ? cpu.priority[intid] : spis_.priority[intid - 32]}
             << (8 * b);
      }
    }
    return v;
  }
  if (offset >= gicd::kIcfgr && offset < gicd::kIcfgr + 0x100) {
    if (width != 4) return std::nullopt;
    const std::uint32_t first = static_cast<std::uint32_t>((offset - gicd::kIcfgr) * 4);
    std::uint64_t v = 0;
    for (std::uint32_t i = 0; i < 16; ++i) {
      const std::uint32_t intid = first + i;
      if (intid >= base_intid && intid < base_intid + count) {
        v |= std::uint64_t{intid < 32 ? cpu.config[intid] : spis_.config[intid - 32]} << (2 * i);
      }
    }
    return v;
  }
  return std::nullopt;
}

bool VirtualGic::bank_write(std::uint64_t offset, unsigned width, std::uint64_t value,
                            std::uint32_t base_intid, std::uint32_t count, std::uint32_t vcpu) {
  auto& cpu = cpus_[vcpu].banked;
  auto in_range = [&](std::uint32_t intid) {
    return intid >= base_intid && intid < base_intid + count;
  };
  auto for_bits = [&](std::uint64_t block, auto set) {
    if (width != 4) return false;
    const std::uint32_t first = static_cast<std::uint32_t>((offset - block) * 8);
    for (std::uint32_t i = 0; i < 32; ++i) {
      const std::uint32_t intid = first + i;
      if (in_range(intid)) set(intid, ((value >> i) & 1) != 0);
    }
    return true;
  };
  if (offset >= gicd::kIgroupr && offset < gicd::kIsenabler) {
    return for_bits(gicd::kIgroupr, [&](std::uint32_t intid, bool bit) {
      (intid < 32 ? cpu.group1[intid] : spis_.group1[intid - 32]) = bit;
    });
  }
  if (offset >= gicd::kIsenabler && offset < gicd::kIcenabler) {
    return for_bits(gicd::kIsenabler, [&](std::uint32_t intid, bool bit) {
      if (bit && intid >= gic::kSgiCount)
        (intid < 32 ? cpu.enabled[intid] : spis_.enabled[intid - 32]) = true;
    });
  }
  if (offset >= gicd::kIcenabler && offset < gicd::kIspendr) {
    return for_bits(gicd::kIcenabler, [&](std::uint32_t intid, bool bit) {
      if (bit && intid >= gic::kSgiCount)
        (intid < 32 ? cpu.enabled[intid] : spis_.enabled[intid - 32]) = false;
    });
  }
  if (offset >= gicd::kIspendr && offset < gicd::kIcactiver + 0x80) return width == 4;
  if (offset >= gicd::kIpriorityr && offset < gicd::kIpriorityr + 0x400) {
    if (width != 1 && width != 4) return false;
    for (unsigned b = 0; b < width; ++b) {
      const std::uint32_t intid = static_cast<std::uint32_t>(offset - gicd::kIpriorityr) + b;
      const auto prio = static_cast<std::uint8_t>(value >> (8 * b));
      if (in_range(intid)) (intid < 32 ? cpu.priority[intid] : spis_.priority[intid - 32]) = prio;
    }
    return true;
  }
  if (offset >= gicd::kIcfgr && offset < gicd::kIcfgr + 0x100) {
    if (width != 4) return false;
    const std::uint32_t first = static_cast<std::uint32_t>((offset - gicd::kIcfgr) * 4);
    for (std::uint32_t i = 0; i < 16; ++i) {
      const std::uint32_t intid = first + i;
      // SGI configuration is fixed (edge); the rest keeps what the guest writes.
      if (in_range(intid) && intid >= gic::kSgiCount) {
        (intid < 32 ? cpu.config[intid] : spis_.config[intid - 32]) =
            static_cast<std::uint8_t>((value >> (2 * i)) & 3);
      }
    }
    return true;
  }
  return false;
}

std::optional<std::uint64_t> VirtualGic::distributor_read(std::uint64_t offset, unsigned width,
                                                          std::uint32_t vcpu) const {
  if (!aligned(offset, width) || vcpu >= vcpu_count_) return std::nullopt;
  const bool v3 = version_ == GicVersion::kV3;
  switch (offset) {
    case gicd::kCtlr: return width == 4 ? std::optional<std::uint64_t>(ctlr_) : std::nullopt;
    case gicd::kTyper: {
      const std::uint32_t lines = (32 + kSpiCount) / 32 - 1;
      const std::uint32_t id_bits = 9;  // 10 INTID bits (v3 field IDbits = bits - 1)
      return v3 ? (lines | (id_bits << 19)) : (lines | ((vcpu_count_ - 1) << 5));
    }
    case gicd::kIidr: return kIidrArm;
    default: break;
  }
  if (v3 && offset == gicd::kPidr2V3) return 0x3b;   // ArchRev 3
  if (!v3 && offset == gicd::kPidr2V2) return 0x2b;  // ArchRev 2
  if (!v3 && offset >= gicd::kItargetsr && offset < gicd::kItargetsr + 0x400) {
    if (width != 1 && width != 4) return std::nullopt;
    std::uint64_t v = 0;
    for (unsigned b = 0; b < width; ++b) {
      const std::uint32_t intid = static_cast<std::uint32_t>(offset - gicd::kItargetsr) + b;
      std::uint8_t t = 0;
      if (intid < 32)
        t = static_cast<std::uint8_t>(1u << vcpu);  // banked: this CPU
      else if (valid_intid(intid))
        t = targets_[intid - 32];
      v |= std::uint64_t{t} << (8 * b);
    }
    return v;
  }
  if (v3 && offset >= gicd::kIrouter && offset < gicd::kIrouter + 8ull * (32 + kSpiCount)) {
    const std::uint32_t intid = static_cast<std::uint32_t>((offset - gicd::kIrouter) / 8);
    if (width != 8 || intid < 32)
      return width == 8 ? std::optional<std::uint64_t>(0) : std::nullopt;
    return routes_[intid - 32];
  }
  if (!v3 && offset == gicd::kSgir) return std::nullopt;  // write-only
  // With affinity routing (GICv3) the SGI/PPI registers live in the redistributors.
  return bank_read(offset, width, v3 ? 32 : 0, v3 ? kSpiCount : 32 + kSpiCount, vcpu);
}

bool VirtualGic::distributor_write(std::uint64_t offset, unsigned width, std::uint64_t value,
                                   std::uint32_t vcpu, SgiRequest* sgi) {
  if (!aligned(offset, width) || vcpu >= vcpu_count_) return false;
  const bool v3 = version_ == GicVersion::kV3;
  if (offset == gicd::kCtlr) {
    if (width != 4) return false;
    ctlr_ = static_cast<std::uint32_t>(value & 0x3) | (v3 ? kCtlrAre : 0);
    return true;
  }
  if (offset == gicd::kTyper || offset == gicd::kIidr) return true;  // read-only
  if (!v3 && offset == gicd::kSgir) {
    if (width != 4) return false;
    if (sgi != nullptr) {
      sgi->valid = true;
      sgi->intid = static_cast<std::uint32_t>(value & 0xf);
      sgi->target_list = static_cast<std::uint8_t>((value >> 16) & 0xff);
      sgi->filter = static_cast<std::uint8_t>((value >> 24) & 3);
    }
    return true;
  }
  if (!v3 && offset >= gicd::kItargetsr && offset < gicd::kItargetsr + 0x400) {
    if (width != 1 && width != 4) return false;
    for (unsigned b = 0; b < width; ++b) {
      const std::uint32_t intid = static_cast<std::uint32_t>(offset - gicd::kItargetsr) + b;
      if (intid >= 32 && valid_intid(intid))
        targets_[intid - 32] = static_cast<std::uint8_t>(value >> (8 * b));
    }
    return true;
  }
  if (v3 && offset >= gicd::kIrouter && offset < gicd::kIrouter + 8ull * (32 + kSpiCount)) {
    const std::uint32_t intid = static_cast<std::uint32_t>((offset - gicd::kIrouter) / 8);
    if (width != 8) return false;
    if (intid >= 32) routes_[intid - 32] = value;
    return true;
  }
  return bank_write(offset, width, value, v3 ? 32 : 0, v3 ? kSpiCount : 32 + kSpiCount, vcpu);
}

std::optional<std::uint64_t> VirtualGic::redistributor_read(std::uint64_t offset,
                                                            unsigned width) const {
  if (version_ != GicVersion::kV3 || !aligned(offset, width)) return std::nullopt;
  const std::uint32_t vcpu = static_cast<std::uint32_t>(offset / kRedistributorStride);
  if (vcpu >= vcpu_count_) return std::nullopt;
  const std::uint64_t frame = offset % kRedistributorStride;
  if (frame >= gicr::kSgiFrame) return bank_read(frame - gicr::kSgiFrame, width, 0, 32, vcpu);
  switch (frame) {
    case gicd::kCtlr: return 0;
    case gicr::kIidr: return kIidrArm;
    case gicr::kTyper: {
      // Affinity [63:32] = the vCPU's MPIDR affinity (Aff0 = index), Processor_Number [23:8],
      // Last [4] on the final redistributor, so the guest's scan stops there.
      const std::uint64_t typer = (std::uint64_t{vcpu} << 32) | (std::uint64_t{vcpu} << 8) |
                                  (vcpu + 1 == vcpu_count_ ? (1u << 4) : 0);
      if (width == 8) return typer;
      if (width == 4) return typer & 0xffff'ffff;
      return std::nullopt;
    }
    case gicr::kTyper + 4: return width == 4 ? std::optional<std::uint64_t>(vcpu) : std::nullopt;
    case gicr::kWaker:
      return cpus_[vcpu].asleep ? (gicr::kWakerProcessorSleep | gicr::kWakerChildrenAsleep) : 0u;
    case gicd::kPidr2V3: return 0x3b;
    default: return width == 4 ? std::optional<std::uint64_t>(0) : std::nullopt;
  }
}

bool VirtualGic::redistributor_write(std::uint64_t offset, unsigned width, std::uint64_t value) {
  if (version_ != GicVersion::kV3 || !aligned(offset, width)) return false;
  const std::uint32_t vcpu = static_cast<std::uint32_t>(offset / kRedistributorStride);
  if (vcpu >= vcpu_count_) return false;
  const std::uint64_t frame = offset % kRedistributorStride;
  if (frame >= gicr::kSgiFrame)
    return bank_write(frame - gicr::kSgiFrame, width, value, 0, 32, vcpu);
  if (frame == gicr::kWaker) {
    if (width != 4) return false;
    cpus_[vcpu].asleep = (value & gicr::kWakerProcessorSleep) != 0;
    return true;
  }
  return width == 4 || width == 8;  // other RD-frame registers ignore writes
}

std::uint8_t VirtualGic::priority(std::uint32_t intid, std::uint32_t vcpu) const {
  if (vcpu >= vcpu_count_ || !valid_intid(intid)) return 0xff;
  return intid < 32 ? cpus_[vcpu].banked.priority[intid] : spis_.priority[intid - 32];
}

bool VirtualGic::group1(std::uint32_t intid, std::uint32_t vcpu) const {
  if (vcpu >= vcpu_count_ || !valid_intid(intid)) return false;
  return intid < 32 ? cpus_[vcpu].banked.group1[intid] : spis_.group1[intid - 32];
}

}  // namespace el2lab::vgic
