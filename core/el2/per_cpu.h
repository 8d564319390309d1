#pragma once
/// \file
/// \brief Aarch64PerCpu<H>: what each physical CPU needs before it can run guests.

#include <cstdint>

#include "core/el2/cpu_local.h"
#include "core/el2/irq_handler.h"
#include "core/el2/sysreg.h"
#include "core/el2/trap_frame.h"
#include "core/portable/registers.h"
#include "core/portable/vcpu_hal.h"

namespace el2lab {

/// \defgroup percpu Per-CPU state
/// \brief Aarch64PerCpu<H> and the per-CPU IRQ_HANDLER.
/// \{

/// The HCR_EL2 value while guests run: what EL1 may do on its own and what traps to EL2.
inline constexpr reg::Hcr kGuestHcr = reg::Hcr()
                                          .with<reg::Hcr::Vm>()    // stage-2 translation on
                                          .with<reg::Hcr::Swio>()  // set/way ops are safe
                                          .with<reg::Hcr::Rw>()    // EL1 is AArch64
                                          .with<reg::Hcr::Tsc>()   // SMC traps: PSCI is ours
                                          .with<reg::Hcr::Twi>()   // WFI traps: Halt exits
                                          .with<reg::Hcr::Twe>()   // WFE traps too
                                          .with<reg::Hcr::Tid3>()  // ID registers: SysRegRead
                                          .with<reg::Hcr::Tvm>()   // VM controls: SysRegWrite
                                          .with<reg::Hcr::Tacr>()  // ACTLR: not modelled
                                          .with<reg::Hcr::Imo>()   // IRQs to EL2, vIRQs to EL1
                                          .with<reg::Hcr::Fmo>();  // FIQs likewise

/// \brief Per physical CPU state (arm_vcpu's `Aarch64PerCpu<H>`).
///
/// hardware_enable() prepares EL2 on the calling CPU: vectors, trap configuration, the
/// per-CPU block TPIDR_EL2 points to, and IRQ_HANDLER — a type-erased reference to
/// `H::irq_handler`, called through an indirect branch when an IRQ is taken at EL2.
template <VCpuHal H>
class Aarch64PerCpu {
 public:
  /// State for logical CPU \p index (not yet enabled).
  explicit Aarch64PerCpu(std::uint32_t index = 0) { local_.index = index; }
  /// Sets the logical CPU number (for per-CPU arrays built before the CPUs are known).
  void set_index(std::uint32_t index) { local_.index = index; }
  Aarch64PerCpu(const Aarch64PerCpu&) = delete;
  Aarch64PerCpu& operator=(const Aarch64PerCpu&) = delete;

  /// Sets VBAR_EL2, HCR_EL2 and the other EL2 controls on the calling CPU, points TPIDR_EL2 at
  /// this object and registers IRQ_HANDLER. Must run on the CPU this object belongs to.
  void hardware_enable() {
    sysreg::vbar_el2::write(reinterpret_cast<std::uint64_t>(el2lab_vector_table));
    H::init_cpu_interface(local_.index, sysreg::mpidr_el1::read());
    sysreg::tpidr_el2::write(reinterpret_cast<std::uint64_t>(&local_));
    local_.irq_handler = IrqHandler(kCallHalIrqHandler);
    sysreg::write_hcr(kGuestHcr);
    // CPTR_EL2: only RES1 bits, so FP/SIMD and trace stay the guest's without traps.
    constexpr std::uint64_t kCptrRes1 = 0x33ff;
    sysreg::cptr_el2::write(kCptrRes1);
    // The guest may use the physical counter and timer (CNTHCTL_EL2.EL1PCTEN, EL1PCEN).
    sysreg::cnthctl_el2::write(0b11);
    sysreg::cntvoff_el2::write(0);
    // The PMU cycle counter is the hypervisor's instruction counter for the trace buffer
    // (exact under -icount): guest PMU accesses trap (MDCR_EL2.TPM, TPMCR) and are refused.
    constexpr std::uint64_t kMdcrTpm = 1u << 6, kMdcrTpmcr = 1u << 5, kHpmnMask = 0x1f;
    sysreg::mdcr_el2::write((sysreg::mdcr_el2::read() & kHpmnMask) | kMdcrTpm | kMdcrTpmcr);
    constexpr std::uint64_t kPmccfiltrNsh = 1u << 27;  // count at EL2 as well
    sysreg::pmccfiltr_el0::write(kPmccfiltrNsh);
    sysreg::pmcntenset_el0::write(1ull << 31);              // the cycle counter
    sysreg::pmcr_el0::write(sysreg::pmcr_el0::read() | 1);  // PMCR_EL0.E
    asm volatile("isb");
    enabled_ = true;
  }

  /// Undoes hardware_enable(): no guest may run on this CPU afterwards.
  void hardware_disable() {
    sysreg::write_hcr(reg::Hcr().with<reg::Hcr::Rw>());
    local_.irq_handler = IrqHandler();
    enabled_ = false;
  }

  /// True between hardware_enable() and hardware_disable().
  bool is_enabled() const { return enabled_; }
  /// The block TPIDR_EL2 points to.
  CpuLocal& local() { return local_; }

 private:
  // The callable IRQ_HANDLER refers to: a stateless object whose call is H::irq_handler().
  struct CallHalIrqHandler {
    void operator()() const { H::irq_handler(); }
  };
  static constexpr CallHalIrqHandler kCallHalIrqHandler{};

  CpuLocal local_;
  bool enabled_ = false;
};

/// \}

}  // namespace el2lab
