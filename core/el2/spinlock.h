#pragma once
/// \file
/// \brief A ticket spinlock for state that several physical CPUs share (the VM's devices,
/// its virtual GIC, the vCPUs' power states and pending interrupts).
///
/// A ticket lock rather than a test-and-set flag: CPUs get the lock in the order they asked
/// for it, so a vCPU that exits often cannot starve the others. The hypervisor never sleeps
/// while it holds one, and IRQs are masked at EL2 except in the run loop's WFI window, which
/// is entered without any lock held — so no interrupt handler can spin on a lock its own CPU
/// holds.

#include <atomic>
#include <cstdint>

namespace el2lab {

/// \ingroup vmm
/// \brief A fair spinlock: take a ticket, wait until it is served.
class SpinLock {
 public:
  /// Waits for this CPU's turn.
  void lock() {
    const std::uint32_t ticket = next_.fetch_add(1, std::memory_order_relaxed);
    if (serving_.load(std::memory_order_acquire) == ticket) [[likely]]
      return;  // nobody held it: the common case, with no loop to enter
    wait_for(ticket);
  }
  /// Lets the next CPU in.
  void unlock() {
    serving_.store(serving_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
  }

 private:
  [[gnu::noinline, gnu::cold]] void wait_for(std::uint32_t ticket) {
    while (serving_.load(std::memory_order_acquire) != ticket) {
      asm volatile("yield");
    }
  }

  std::atomic<std::uint32_t> next_{0};
  std::atomic<std::uint32_t> serving_{0};
};

/// \ingroup vmm
/// \brief Holds a SpinLock for a scope (as std::lock_guard does): taken here, let go of at the
/// end. Nothing to remember besides the lock, so on the exit path it costs the two atomic
/// operations and nothing more.
class SpinLockGuard {
 public:
  /// Takes \p lock.
  explicit SpinLockGuard(SpinLock& lock) : lock_(lock) { lock_.lock(); }
  /// Releases it.
  ~SpinLockGuard() { lock_.unlock(); }
  SpinLockGuard(const SpinLockGuard&) = delete;
  SpinLockGuard& operator=(const SpinLockGuard&) = delete;

 private:
  SpinLock& lock_;
};

/// \ingroup vmm
/// \brief Holds a SpinLock for a scope, and can let go of it and take it again in between (as
/// std::unique_lock can): the WFI exit does, while its vCPU sleeps.
class UniqueSpinLock {
 public:
  /// Takes \p lock.
  explicit UniqueSpinLock(SpinLock& lock) : lock_(lock) { lock_.lock(); }
  /// Releases it, unless it was already let go of.
  ~UniqueSpinLock() {
    if (held_) lock_.unlock();
  }
  UniqueSpinLock(const UniqueSpinLock&) = delete;
  UniqueSpinLock& operator=(const UniqueSpinLock&) = delete;
  /// Lets go of the lock before the end of the scope.
  void unlock() {
    lock_.unlock();
    held_ = false;
  }
  /// Takes it again.
  void lock() {
    lock_.lock();
    held_ = true;
  }

 private:
  SpinLock& lock_;
  bool held_ = true;
};

}  // namespace el2lab
