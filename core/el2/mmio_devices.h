#pragma once
/// \file
/// \brief The guest's MMIO bus, and the devices on it that touch nothing but their own
/// registers — the PL011 console and el2lab's test device — behind a lock of their own.
///
/// The VM owns them (Vm<H>::devices_) and every vCPU holds a pointer to them: past the log's
/// first MMIO exits, Aarch64VCpu<H>::run() answers an access to these two devices itself,
/// inline, and goes straight back into the guest (as KVM answers accesses to its in-kernel
/// devices without returning to user space). Nothing else the VM's lock guards is touched by
/// them, so they need only their own lock. The virtual GIC's registers (an access can make an
/// interrupt pending that the run loop must put in a list register) and a HAL's device (whose
/// effects the core does not know) stay with the run loop and the VM's lock.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "core/el2/guest_console.h"
#include "core/el2/spinlock.h"
#include "core/portable/devices/pl011_emulation.h"
#include "core/portable/devices/test_device.h"
#include "core/portable/guest_abi.h"
#include "core/portable/mmio_bus.h"
#include "core/portable/read_once.h"
#include "core/portable/vm_exit.h"

namespace el2lab {

/// \ingroup vmm
/// \brief The MMIO bus and the devices a vCPU may answer by itself.
class MmioDevices {
 public:
  /// Devices whose UART prints to the guest's console; \p log_done is the VM's per-kind flag
  /// (indexed by abi::ExitKind) that its log has printed all it prints of that kind.
  explicit MmioDevices(const std::uint8_t* log_done) : log_done_(log_done) {}
  MmioDevices(const MmioDevices&) = delete;
  MmioDevices& operator=(const MmioDevices&) = delete;

  /// The bus every MMIO exit is looked up in. Written while the VM is built, read-only after.
  MmioBus& bus() { return bus_; }
  /// The same, read-only.
  const MmioBus& bus() const { return bus_; }

  /// Whether \p device is one of the devices kept here (the UART and the test device).
  static constexpr bool holds(MmioDevice device) {
    return device == MmioDevice::kUart || device == MmioDevice::kTestDevice;
  }

  /// A load of \p width bytes from the device at \p target (one holds() accepts), under the
  /// devices' lock; nullopt if the device refuses the access (nothing changes then).
  std::optional<std::uint64_t> read(MmioTarget target, unsigned width) {
    const SpinLockGuard guard(lock_);
    if (target.device == MmioDevice::kUart) return uart_.read(target.offset, width);
    return test_device_.read(target.offset, width);
  }

  /// A store to the device at \p target, likewise; false if the device refuses it (nothing
  /// changes then).
  bool write(MmioTarget target, unsigned width, std::uint64_t value) {
    if (target.device == MmioDevice::kUart) [[likely]]
      return uart_write(target.offset, width, value);
    const SpinLockGuard guard(lock_);
    return test_device_.write(target.offset, width, value);
  }

  /// The access of an MMIO exit a vCPU answers by itself (Aarch64VCpu<H>::run()): a store to
  /// the UART, or to the test device once the VM's log is done with the kind (its first
  /// accesses go through the run loop and its log, as a debugger walking the MMIO path
  /// expects). False, with nothing done, for any other store, and for one the device refuses:
  /// the run loop then takes the exit (and the guest its data abort).
  [[gnu::always_inline]] bool write_directly(const MmioWrite& access) {
    const MmioTarget target = bus_.find(access.address);
    if (target.device == MmioDevice::kUart) [[likely]]
      return uart_write(target.offset, access.width, access.data);
    if (!test_device_directly(target.device, abi::ExitKind::kMmioWrite)) return false;
    return write(target, access.width, access.data);
  }

  /// A load a vCPU answers by itself, as write_directly(): the value (before the load's
  /// extension into its register), or nullopt for the run loop.
  [[gnu::always_inline]] std::optional<std::uint64_t> read_directly(const MmioRead& access) {
    const MmioTarget target = bus_.find(access.address);
    if (target.device != MmioDevice::kUart &&
        !test_device_directly(target.device, abi::ExitKind::kMmioRead))
      return std::nullopt;
    return read(target, access.width);
  }

  /// Writes out the guest's console line so far (before the run's summary), under the
  /// devices' lock: another vCPU may be printing meanwhile.
  void flush_console() {
    const SpinLockGuard guard(lock_);
    guest_console.flush();
  }

  /// Bytes the guest has written to its console so far.
  std::uint64_t bytes_sent() const { return uart_.bytes_sent(); }

 private:
  // A store to the UART. The data register takes every byte the guest prints: straight into
  // its console line, the access checked before the lock is taken.
  [[gnu::always_inline]] bool uart_write(std::uint64_t offset, unsigned width,
                                         std::uint64_t value) {
    const auto print = [](char c) { guest_console.put(c); };
    if (devices::Pl011Emulation::sends(offset, width)) [[likely]] {
      const SpinLockGuard guard(lock_);
      uart_.send(value, print);
      return true;
    }
    const SpinLockGuard guard(lock_);
    return uart_.write(offset, width, value, print);
  }

  // Whether a vCPU answers an access to \p device (not the UART: that one always) by itself:
  // the test device past the log's lines of the kind (the VM sets the flag once, other CPUs
  // may read it at any time).
  bool test_device_directly(MmioDevice device, abi::ExitKind kind) const {
    return device == MmioDevice::kTestDevice &&
           read_once(log_done_[static_cast<std::size_t>(kind)]) != 0;
  }

  SpinLock lock_;  // first: the exit path takes it with the devices' own address
  MmioBus bus_;
  const std::uint8_t* log_done_;
  devices::Pl011Emulation uart_;
  devices::TestDevice test_device_;
};

}  // namespace el2lab
