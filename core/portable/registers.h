#pragma once
/// \file
/// \brief Typed values of the EL2 system registers: fields by name, no magic numbers.
///
/// Each class wraps the 64-bit value of one register. Fields are read and written by name, and
/// bits the architecture reserves as 1 (RES1) are set by construction, so `Hcr{}` or
/// `Spsr::el1h_masked()` is always a legal value. The classes are pure data: writing them to the
/// CPU is `core/el2/sysreg.h`'s job, which keeps this file host-testable.

#include <cstdint>

namespace el2lab::reg {

/// \defgroup registers System register layouts
/// \brief Named fields of HCR_EL2, SPSR_EL2 and friends.
/// \{

/// A bit field [Hi:Lo] of a 64-bit register.
template <unsigned Hi, unsigned Lo>
struct Field {
  static_assert(Hi >= Lo && Hi < 64, "field bits out of range");
  /// Width of the field in bits.
  static constexpr unsigned kWidth = Hi - Lo + 1;
  /// Mask of the field in place.
  static constexpr std::uint64_t kMask = (kWidth == 64 ? ~0ull : ((1ull << kWidth) - 1)) << Lo;
  /// The field's value in \p reg.
  static constexpr std::uint64_t get(std::uint64_t reg) { return (reg & kMask) >> Lo; }
  /// \p reg with the field replaced by \p value (truncated to the field's width).
  static constexpr std::uint64_t set(std::uint64_t reg, std::uint64_t value) {
    return (reg & ~kMask) | ((value << Lo) & kMask);
  }
};

/// A single bit [Bit].
template <unsigned Bit>
using Flag = Field<Bit, Bit>;

/// \brief HCR_EL2, the Hypervisor Configuration Register: what EL1 may do, what traps to EL2.
class Hcr {
 public:
  using Vm = Flag<0>;    ///< Stage-2 translation on for EL1&0.
  using Swio = Flag<1>;  ///< Set/way invalidation is upgraded to clean+invalidate.
  using Fmo = Flag<3>;   ///< Physical FIQs go to EL2; virtual FIQs to EL1.
  using Imo = Flag<4>;   ///< Physical IRQs go to EL2; virtual IRQs to EL1.
  using Amo = Flag<5>;   ///< Physical SErrors go to EL2; virtual SErrors to EL1.
  using Vf = Flag<6>;    ///< A virtual FIQ is pending (legacy, without a GIC).
  using Vi = Flag<7>;    ///< A virtual IRQ is pending (legacy, without a GIC).
  using Fb = Flag<9>;    ///< Broadcast TLB and cache maintenance to the inner shareable domain.
  using Bsu = Field<11, 10>;  ///< Barrier shareability upgrade (1 = inner shareable).
  using Twi = Flag<13>;       ///< Trap WFI to EL2.
  using Twe = Flag<14>;       ///< Trap WFE to EL2.
  using Tid3 = Flag<18>;      ///< Trap reads of the ID group 3 registers.
  using Tacr = Flag<21>;      ///< Trap accesses to ACTLR_EL1 (implementation-defined controls).
  using Tsc = Flag<19>;       ///< Trap SMC to EL2 (the guest's SMCs must not reach the firmware).
  using Tvm = Flag<26>;       ///< Trap writes to the EL1 virtual-memory control registers.
  using Tge = Flag<27>;  ///< Trap general exceptions: EL0 runs as a host process (not used here).
  using Rw = Flag<31>;   ///< EL1 is AArch64.
  using E2h = Flag<34>;  ///< EL2 host (VHE); el2lab is a classic non-VHE hypervisor.

  /// A value with every field 0.
  constexpr Hcr() = default;
  /// Wraps a raw value read from the CPU.
  constexpr explicit Hcr(std::uint64_t raw) : raw_(raw) {}
  /// The raw 64-bit value.
  constexpr std::uint64_t raw() const { return raw_; }
  /// Field F of this value.
  template <typename F>
  constexpr std::uint64_t get() const {
    return F::get(raw_);
  }
  /// A copy with field F set to \p value.
  template <typename F>
  constexpr Hcr with(std::uint64_t value = 1) const {
    return Hcr(F::set(raw_, value));
  }

 private:
  std::uint64_t raw_ = 0;
};

/// \brief SPSR_EL2: the PSTATE an exception saved, restored by ERET.
class Spsr {
 public:
  using Mode = Field<3, 0>;  ///< Exception level and stack: M[3:2] = EL, M[0] = SPx.
  using Aarch32 = Flag<4>;   ///< Taken from AArch32.
  using F = Flag<6>;         ///< FIQ masked.
  using I = Flag<7>;         ///< IRQ masked.
  using A = Flag<8>;         ///< SError masked.
  using D = Flag<9>;         ///< Debug exceptions masked.
  using Il = Flag<20>;       ///< Illegal execution state.
  using Ss = Flag<21>;       ///< Software step.

  /// Mode values for M[3:0].
  enum ModeValue : std::uint64_t {
    kEl0t = 0b0000,  ///< EL0.
    kEl1t = 0b0100,  ///< EL1 on SP_EL0.
    kEl1h = 0b0101,  ///< EL1 on SP_EL1.
    kEl2t = 0b1000,  ///< EL2 on SP_EL0.
    kEl2h = 0b1001,  ///< EL2 on SP_EL2.
  };

  /// Wraps a raw value.
  constexpr explicit Spsr(std::uint64_t raw) : raw_(raw) {}
  /// How a guest is first entered: EL1h with D, A, I and F masked, as the Linux boot
  /// protocol requires.
  static constexpr Spsr el1h_masked() {
    return Spsr(Mode::set(D::set(A::set(I::set(F::set(0, 1), 1), 1), 1), kEl1h));
  }
  /// The raw value.
  constexpr std::uint64_t raw() const { return raw_; }
  /// The exception level the value returns to (M[3:2]).
  constexpr unsigned el() const { return static_cast<unsigned>((raw_ >> 2) & 3); }
  /// True if it uses the EL's own stack pointer (SPx) rather than SP_EL0.
  constexpr bool uses_spx() const { return (raw_ & 1) != 0; }
  /// True if it returns to AArch32.
  constexpr bool is_aarch32() const { return Aarch32::get(raw_) != 0; }

 private:
  std::uint64_t raw_;
};

/// \brief CurrentEL: bits [3:2] hold the exception level the CPU runs at.
constexpr unsigned current_el_from(std::uint64_t current_el_register) {
  return static_cast<unsigned>((current_el_register >> 2) & 3);
}

/// \}

}  // namespace el2lab::reg
