#pragma once
/// \file
/// \brief The GIC's memory-mapped register offsets, once: the physical driver
/// (core/el2/gic_driver.cc), the emulated distributor and redistributors (vgic.cc) and the GDB
/// package's register names (generated from kDistributorRegisters / kRedistributorRegisters
/// by gdb/gen_constants.cc) all read them here.
///
/// Offsets are from the GIC architecture specification (IHI 0069 for GICv3, IHI 0048 for
/// GICv2): from the distributor's base (GICD), a redistributor's RD frame (GICR; its SGI frame
/// starts kSgiFrame later), the GICv2 CPU interface (GICC) and the GICv2 virtual interface
/// control block (GICH).

#include <array>
#include <cstdint>
#include <string_view>

namespace el2lab::gic {

/// \ingroup gic
/// \brief Distributor registers (GICD_*), both generations.
namespace gicd {
inline constexpr std::uint64_t kCtlr = 0x000;        ///< GICD_CTLR.
inline constexpr std::uint64_t kTyper = 0x004;       ///< GICD_TYPER.
inline constexpr std::uint64_t kIidr = 0x008;        ///< GICD_IIDR.
inline constexpr std::uint64_t kTyper2 = 0x00c;      ///< GICD_TYPER2 (GICv3).
inline constexpr std::uint64_t kIgroupr = 0x080;     ///< GICD_IGROUPR<n>, a bit per INTID.
inline constexpr std::uint64_t kIsenabler = 0x100;   ///< GICD_ISENABLER<n>.
inline constexpr std::uint64_t kIcenabler = 0x180;   ///< GICD_ICENABLER<n>.
inline constexpr std::uint64_t kIspendr = 0x200;     ///< GICD_ISPENDR<n>.
inline constexpr std::uint64_t kIcpendr = 0x280;     ///< GICD_ICPENDR<n>.
inline constexpr std::uint64_t kIsactiver = 0x300;   ///< GICD_ISACTIVER<n>.
inline constexpr std::uint64_t kIcactiver = 0x380;   ///< GICD_ICACTIVER<n>.
inline constexpr std::uint64_t kIpriorityr = 0x400;  ///< GICD_IPRIORITYR<n>, a byte per INTID.
inline constexpr std::uint64_t kItargetsr = 0x800;   ///< GICD_ITARGETSR<n> (GICv2).
inline constexpr std::uint64_t kIcfgr = 0xc00;       ///< GICD_ICFGR<n>, two bits per INTID.
inline constexpr std::uint64_t kSgir = 0xf00;        ///< GICD_SGIR (GICv2).
inline constexpr std::uint64_t kIrouter = 0x6000;    ///< GICD_IROUTER<n> (GICv3), 64-bit.
inline constexpr std::uint64_t kPidr2V2 = 0xfe8;     ///< GICD_PIDR2 (GICv2).
inline constexpr std::uint64_t kPidr2V3 = 0xffe8;    ///< GICD_PIDR2 (GICv3).
inline constexpr std::uint64_t kSize = 0x10000;      ///< The distributor's frame (64 KiB).
}  // namespace gicd

/// \ingroup gic
/// \brief Redistributor registers (GICR_*, GICv3): RD frame, then the SGI frame.
namespace gicr {
inline constexpr std::uint64_t kCtlr = 0x0000;       ///< GICR_CTLR.
inline constexpr std::uint64_t kIidr = 0x0004;       ///< GICR_IIDR.
inline constexpr std::uint64_t kTyper = 0x0008;      ///< GICR_TYPER, 64-bit.
inline constexpr std::uint64_t kWaker = 0x0014;      ///< GICR_WAKER.
inline constexpr std::uint64_t kPidr2 = 0xffe8;      ///< GICR_PIDR2.
inline constexpr std::uint64_t kSgiFrame = 0x10000;  ///< The SGI frame, after the RD frame.
inline constexpr std::uint64_t kStride = 0x20000;    ///< One redistributor: RD + SGI frames.
inline constexpr std::uint32_t kWakerProcessorSleep = 1u << 1;  ///< GICR_WAKER.ProcessorSleep.
inline constexpr std::uint32_t kWakerChildrenAsleep = 1u << 2;  ///< GICR_WAKER.ChildrenAsleep.
inline constexpr std::uint32_t kTyperLast = 1u << 4;            ///< GICR_TYPER.Last.
}  // namespace gicr

/// \ingroup gic
/// \brief GICv2 CPU interface registers (GICC_*).
namespace gicc {
inline constexpr std::uint64_t kCtlr = 0x0000;  ///< GICC_CTLR.
inline constexpr std::uint64_t kPmr = 0x0004;   ///< GICC_PMR.
inline constexpr std::uint64_t kIar = 0x000c;   ///< GICC_IAR.
inline constexpr std::uint64_t kEoir = 0x0010;  ///< GICC_EOIR.
inline constexpr std::uint64_t kDir = 0x1000;   ///< GICC_DIR.
}  // namespace gicc

/// \ingroup gic
/// \brief GICv2 virtual interface control registers (GICH_*).
namespace gich {
inline constexpr std::uint64_t kHcr = 0x000;     ///< GICH_HCR.
inline constexpr std::uint64_t kVtr = 0x004;     ///< GICH_VTR.
inline constexpr std::uint64_t kEisr0 = 0x020;   ///< GICH_EISR0.
inline constexpr std::uint64_t kElrsr0 = 0x030;  ///< GICH_ELRSR0.
inline constexpr std::uint64_t kLr0 = 0x100;     ///< GICH_LR0; GICH_LR<n> at kLr0 + 4n.
}  // namespace gich

/// \ingroup gic
/// \brief A register's name for logs and GDB: \p bank registers are arrays (one bit, byte or
/// two bits per INTID) whose elements are named `<name><n>`.
struct RegisterName {
  std::uint64_t offset;   ///< From the frame's base.
  std::string_view name;  ///< As the specification spells it.
  bool bank;              ///< An array of registers starting at \p offset.
};

/// The distributor's registers el2lab emulates or drives, in offset order.
inline constexpr std::array kDistributorRegisters{
    RegisterName{gicd::kCtlr, "GICD_CTLR", false},
    RegisterName{gicd::kTyper, "GICD_TYPER", false},
    RegisterName{gicd::kIidr, "GICD_IIDR", false},
    RegisterName{gicd::kTyper2, "GICD_TYPER2", false},
    RegisterName{gicd::kIgroupr, "GICD_IGROUPR", true},
    RegisterName{gicd::kIsenabler, "GICD_ISENABLER", true},
    RegisterName{gicd::kIcenabler, "GICD_ICENABLER", true},
    RegisterName{gicd::kIspendr, "GICD_ISPENDR", true},
    RegisterName{gicd::kIcpendr, "GICD_ICPENDR", true},
    RegisterName{gicd::kIsactiver, "GICD_ISACTIVER", true},
    RegisterName{gicd::kIcactiver, "GICD_ICACTIVER", true},
    RegisterName{gicd::kIpriorityr, "GICD_IPRIORITYR", true},
    RegisterName{gicd::kItargetsr, "GICD_ITARGETSR", true},
    RegisterName{gicd::kIcfgr, "GICD_ICFGR", true},
    RegisterName{gicd::kSgir, "GICD_SGIR", false},
    RegisterName{gicd::kIrouter, "GICD_IROUTER", true},
    RegisterName{gicd::kPidr2V3, "GICD_PIDR2", false},
};

/// One redistributor's registers (RD frame, then SGI frame), in offset order.
inline constexpr std::array kRedistributorRegisters{
    RegisterName{gicr::kCtlr, "GICR_CTLR", false},
    RegisterName{gicr::kIidr, "GICR_IIDR", false},
    RegisterName{gicr::kTyper, "GICR_TYPER", false},
    RegisterName{gicr::kWaker, "GICR_WAKER", false},
    RegisterName{gicr::kPidr2, "GICR_PIDR2", false},
    RegisterName{gicr::kSgiFrame + gicd::kIgroupr, "GICR_IGROUPR0", false},
    RegisterName{gicr::kSgiFrame + gicd::kIsenabler, "GICR_ISENABLER0", false},
    RegisterName{gicr::kSgiFrame + gicd::kIcenabler, "GICR_ICENABLER0", false},
    RegisterName{gicr::kSgiFrame + gicd::kIspendr, "GICR_ISPENDR0", false},
    RegisterName{gicr::kSgiFrame + gicd::kIcpendr, "GICR_ICPENDR0", false},
    RegisterName{gicr::kSgiFrame + gicd::kIsactiver, "GICR_ISACTIVER0", false},
    RegisterName{gicr::kSgiFrame + gicd::kIcactiver, "GICR_ICACTIVER0", false},
    RegisterName{gicr::kSgiFrame + gicd::kIcfgr, "GICR_ICFGR0", false},
    RegisterName{gicr::kSgiFrame + gicd::kIcfgr + 4, "GICR_ICFGR1", false},
};

}  // namespace el2lab::gic
