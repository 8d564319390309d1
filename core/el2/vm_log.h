#pragma once
/// \file
/// \brief The VM's log and the end of a run: one line per exit (made only when printed), the
/// summary, power-off.
///
/// Part of Vm<H> (core/el2/vm.h, which includes this file at its end): member definitions kept
/// in their own file so each side of the run loop reads on its own.

namespace el2lab {

template <VCpuHal H>
void Vm<H>::log_exit(abi::ExitKind kind, const VmExit& exit, std::uint32_t id,
                     ExitOutcome outcome) {
  const std::uint32_t seen =
      __atomic_add_fetch(&exits_seen_[static_cast<std::size_t>(kind)], 1, __ATOMIC_RELAXED);
  const bool always = always_logged(outcome.what);
  // From the "further exits" line on, logged() lets only the always-logged outcomes through.
  if (seen >= config_.exits_logged + 1) {
    __atomic_store_n(&log_done_[static_cast<std::size_t>(kind)], 1, __ATOMIC_RELAXED);
  }
  if (seen > config_.exits_logged + 1 && !always) return;
  if (seen <= config_.exits_logged || always) {
    fmt::Buffer<16> who;
    if (power_.ever_started() > 1) fmt::write(who, "vCPU ", id, ": ");
    log(who.view(), "exit ", describe_exit(exit).view(), " at PC ", fmt::Hex{vcpus_[id].exit_pc()},
        ": ", describe_outcome(outcome).view());
  } else {
    log("(further ", exit_name(exit),
        " exits are counted, not printed: see the summary at the end)");
  }
}

template <VCpuHal H>
void Vm<H>::fault_at_el2_on_purpose() {
  // cppcheck-suppress ignoredReturnValue ; el2lab::log, which cppcheck takes for std::log
  log("test hypercall: faulting at EL2 on purpose (bootargs allow it)");
  // Beyond the physical address range: with the EL2 MMU off this is an address size fault,
  // a data abort taken at EL2, which the panic report then explains.
  volatile auto* nowhere = reinterpret_cast<volatile std::uint64_t*>(0xffff'0000'0000'0000);
  (void)*nowhere;
  panic("the deliberate EL2 fault did not fault");
}

template <VCpuHal H>
void Vm<H>::end_run() {
  devices_.flush_console();
  const std::uint32_t ran = power_.ever_started() > 1 ? config_.vcpu_count : 1;
  if (ran == 1) {
    // cppcheck-suppress ignoredReturnValue ; el2lab::log, not std::log
    log("exits taken by vCPU 0:");
  } else {
    log("exits taken by the VM's ", power_.ever_started(), " vCPUs (total, then per vCPU):");
  }
  for (std::size_t kind = 0; kind < static_cast<std::size_t>(abi::ExitKind::kCount); ++kind) {
    const auto k = static_cast<abi::ExitKind>(kind);
    std::uint64_t total = 0;
    for (std::uint32_t v = 0; v < ran; ++v) total += vcpus_[v].exit_count(k);
    if (total == 0) continue;
    if (ran == 1) {
      log("  ", fmt::Padded{exit_kind_name(kind), 18}, total);
      continue;
    }
    fmt::Buffer<120> split;
    for (std::uint32_t v = 0; v < ran; ++v) {
      fmt::write(split, v == 0 ? "" : ", ", v, ": ", vcpus_[v].exit_count(k));
    }
    log("  ", fmt::Padded{exit_kind_name(kind), 18}, total, "  (", split.view(), ")");
  }
  log("console: ", devices_.bytes_sent(), " bytes from the guest; powering the machine off");
  firmware::system_off();
}

}  // namespace el2lab
