#pragma once
/// \file
/// \brief IRQ_HANDLER: the per-CPU, type-erased interrupt callback (arm_vcpu's
/// `IRQ_HANDLER: OnceCell<&'static (dyn Fn() + Send + Sync)>`).
///
/// Like a Rust `&dyn Fn()`, an IrqHandler is a pair of pointers — the callable object and a
/// table of functions for its type — and calling it loads the function from the table and
/// branches to it indirectly (`blr`). That indirection is what labs compare with the direct
/// `bl` of `H::irq_handler()`.

namespace el2lab {

/// \ingroup percpu
/// \brief A non-owning, type-erased reference to something callable as `f()`.
class IrqHandler {
 public:
  /// An empty handler; calling it is a bug (checked with operator bool first).
  constexpr IrqHandler() = default;

  /// Refers to \p callable, which must outlive the handler.
  template <typename F>
  explicit constexpr IrqHandler(const F& callable) : object_(&callable), table_(&kTable<F>) {}

  /// Calls the referenced callable through its function table (an indirect branch).
  void operator()() const { table_->call(object_); }
  /// True if a callable is registered.
  constexpr explicit operator bool() const { return table_ != nullptr; }

 private:
  struct Table {
    void (*call)(const void* object);
  };
  template <typename F>
  static constexpr Table kTable{[](const void* object) { (*static_cast<const F*>(object))(); }};

  const void* object_ = nullptr;
  const Table* table_ = nullptr;
};

}  // namespace el2lab
