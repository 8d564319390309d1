#include "core/portable/vm_exit.h"

#include "core/portable/esr.h"
#include "core/portable/psci.h"

namespace el2lab {
namespace {

// The names of the VmExit alternatives, in their order: the one table of exit-kind names (the
// log, the summary, the panic report and the GDB package's generated constants read it).
constexpr std::string_view kExitKindNames[] = {
    "Hypercall", "MmioRead", "MmioWrite",  "SysRegRead", "SysRegWrite", "ExternalInterrupt",
    "CpuUp",     "CpuDown",  "SystemDown", "SendIPI",    "Halt",        "Nothing",
    "FailEntry", "Unhandled"};
static_assert(std::size(kExitKindNames) == std::variant_size_v<VmExit>);

struct KnownSysReg {
  std::uint32_t key;
  std::string_view name;
};
constexpr KnownSysReg kKnownSysRegs[] = {
    {esr::sysreg_key(3, 0, 0, 4, 0), "ID_AA64PFR0_EL1"},
    {esr::sysreg_key(3, 0, 0, 4, 1), "ID_AA64PFR1_EL1"},
    {esr::sysreg_key(3, 0, 0, 5, 0), "ID_AA64DFR0_EL1"},
    {esr::sysreg_key(3, 0, 0, 6, 0), "ID_AA64ISAR0_EL1"},
    {esr::sysreg_key(3, 0, 0, 6, 1), "ID_AA64ISAR1_EL1"},
    {esr::sysreg_key(3, 0, 0, 7, 0), "ID_AA64MMFR0_EL1"},
    {esr::sysreg_key(3, 0, 0, 7, 1), "ID_AA64MMFR1_EL1"},
    {esr::sysreg_key(3, 0, 0, 7, 2), "ID_AA64MMFR2_EL1"},
    {esr::sysreg_key(3, 0, 1, 0, 0), "SCTLR_EL1"},
    {esr::sysreg_key(3, 0, 1, 0, 1), "ACTLR_EL1"},
    {esr::sysreg_key(3, 0, 2, 0, 0), "TTBR0_EL1"},
    {esr::sysreg_key(3, 0, 2, 0, 1), "TTBR1_EL1"},
    {esr::sysreg_key(3, 0, 2, 0, 2), "TCR_EL1"},
    {esr::sysreg_key(3, 0, 5, 2, 0), "ESR_EL1"},
    {esr::sysreg_key(3, 0, 6, 0, 0), "FAR_EL1"},
    {esr::sysreg_key(3, 0, 10, 2, 0), "MAIR_EL1"},
    {esr::sysreg_key(3, 0, 10, 3, 0), "AMAIR_EL1"},
    {esr::sysreg_key(3, 0, 13, 0, 1), "CONTEXTIDR_EL1"},
    {esr::sysreg_key(3, 0, 12, 11, 5), "ICC_SGI1R_EL1"},
    {esr::sysreg_key(3, 3, 9, 12, 0), "PMCR_EL0"},
    {esr::sysreg_key(3, 3, 9, 13, 0), "PMCCNTR_EL0"},
    {esr::sysreg_key(3, 3, 14, 0, 1), "CNTPCT_EL0"},
};

std::string_view psci_name(std::uint64_t function) {
  switch (static_cast<psci::Function>(function & 0xffff'ffff)) {
    case psci::Function::kVersion: return "PSCI_VERSION";
    case psci::Function::kFeatures: return "PSCI_FEATURES";
    case psci::Function::kAffinityInfo32:
    case psci::Function::kAffinityInfo64: return "AFFINITY_INFO";
    case psci::Function::kMigrateInfoType: return "MIGRATE_INFO_TYPE";
    case psci::Function::kCpuSuspend64: return "CPU_SUSPEND";
    default: return {};
  }
}

struct Describer {
  fmt::Buffer<160>& out;
  void operator()(const Hypercall& c) const {
    fmt::write(out, "Hypercall ", c.via_smc ? "SMC" : "HVC", " function ", fmt::Hex{c.function});
    if (auto name = psci_name(c.function); !name.empty()) fmt::write(out, " (", name, ")");
    fmt::write(out, " x1 ", fmt::Hex{c.args[0]});
  }
  void operator()(const MmioRead& r) const {
    fmt::write(out, "MmioRead ", fmt::Hex{r.address}, " width ", r.width, " -> ",
               r.reg_is_64bit ? "x" : "w", r.reg, r.sign_extend ? " (sign-extended)" : "");
  }
  void operator()(const MmioWrite& w) const {
    fmt::write(out, "MmioWrite ", fmt::Hex{w.address}, " width ", w.width, " data ",
               fmt::Hex{w.data});
  }
  void operator()(const SysRegRead& r) const {
    fmt::write(out, "SysRegRead ", sysreg_name(r.key).view(), " -> x", r.reg);
  }
  void operator()(const SysRegWrite& w) const {
    fmt::write(out, "SysRegWrite ", sysreg_name(w.key).view(), " = ", fmt::Hex{w.value});
  }
  void operator()(const ExternalInterrupt& i) const {
    fmt::write(out, "ExternalInterrupt vector ", i.vector);
  }
  void operator()(const CpuUp& u) const {
    fmt::write(out, "CpuUp target ", fmt::Hex{u.target_mpidr}, " entry ", fmt::Hex{u.entry_point},
               " context ", fmt::Hex{u.context_id});
  }
  void operator()(const CpuDown&) const { fmt::write(out, "CpuDown"); }
  void operator()(const SystemDown& d) const {
    fmt::write(out, "SystemDown (", d.reset ? "SYSTEM_RESET" : "SYSTEM_OFF", ")");
  }
  void operator()(const SendIpi& i) const {
    fmt::write(out, "SendIPI SGI ", i.vector, " to ");
    if (i.send_to_all) {
      fmt::write(out, "all but self");
    } else {
      fmt::write(out, "affinity ", fmt::Hex{i.target_cpu}, " list ", fmt::Hex{i.target_list});
    }
  }
  void operator()(const Halt& h) const { fmt::write(out, "Halt (", h.wfe ? "WFE" : "WFI", ")"); }
  void operator()(const Nothing&) const { fmt::write(out, "Nothing"); }
  void operator()(const FailEntry& f) const { fmt::write(out, "FailEntry reason ", f.reason); }
  void operator()(const Unhandled& u) const {
    fmt::write(out, "Unhandled ", esr::exception_class_name(esr::Syndrome(u.esr).ec()), ": ",
               u.why);
    if (u.address != 0) fmt::write(out, " (IPA ", fmt::Hex{u.address}, ")");
  }
};

}  // namespace

std::string_view exit_kind_name(std::size_t kind) {
  return kind < std::size(kExitKindNames) ? kExitKindNames[kind] : std::string_view("?");
}

std::string_view exit_name(const VmExit& exit) {
  return exit_kind_name(exit.index());
}

fmt::Buffer<160> describe_exit(const VmExit& exit) {
  fmt::Buffer<160> out;
  std::visit(Describer{out}, exit);
  return out;
}

fmt::Buffer<32> sysreg_name(std::uint32_t key) {
  fmt::Buffer<32> out;
  for (const auto& known : kKnownSysRegs) {
    if (known.key == key) {
      out.put(known.name);
      return out;
    }
  }
  // Unpack the documented key layout: op0 [15:14] op1 [13:11] CRn [10:7] CRm [6:3] op2 [2:0].
  fmt::write(out, "S", (key >> 14) & 3, "_", (key >> 11) & 7, "_C", (key >> 7) & 15, "_C",
             (key >> 3) & 15, "_", key & 7);
  return out;
}

}  // namespace el2lab
