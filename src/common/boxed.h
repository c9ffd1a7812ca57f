// Boxed<T>: an optional value kept on the heap, for large optional members that are usually
// absent. std::optional<T> is as large as T even when empty; Boxed<T> is one pointer, so a
// struct cached a thousand times (a ScaledObject with its rarely used `advanced` block) does not
// carry the empty block's bytes in every copy.
//
// The interface is std::optional's, as far as the code here uses it: has_value / operator bool,
// operator-> and *, value(), emplace(), reset(), assignment from T and from std::nullopt, deep
// copies, and equality.
//
//   Boxed<AdvancedConfig> advanced;        // empty: one null pointer
//   advanced.emplace().restoreToOriginalReplicaCount = true;
//   if (advanced && advanced->restoreToOriginalReplicaCount) ...
#pragma once

#include <memory>
#include <optional>
#include <stdexcept>
#include <utility>

namespace tidal {

template <typename T>
class Boxed {
 public:
  Boxed() = default;
  Boxed(std::nullopt_t) {}  // NOLINT(google-explicit-constructor): as std::optional
  Boxed(T value) : p_(std::make_unique<T>(std::move(value))) {}  // NOLINT: as std::optional
  Boxed(const Boxed& other) : p_(other.p_ ? std::make_unique<T>(*other.p_) : nullptr) {}
  Boxed(Boxed&&) noexcept = default;
  Boxed& operator=(const Boxed& other) {
    if (this != &other) p_ = other.p_ ? std::make_unique<T>(*other.p_) : nullptr;
    return *this;
  }
  Boxed& operator=(Boxed&&) noexcept = default;
  Boxed& operator=(std::nullopt_t) {
    p_.reset();
    return *this;
  }
  Boxed& operator=(T value) {
    p_ = std::make_unique<T>(std::move(value));
    return *this;
  }

  bool has_value() const { return p_ != nullptr; }  // NOLINT(readability-identifier-naming)
  explicit operator bool() const { return p_ != nullptr; }

  T* operator->() { return p_.get(); }
  const T* operator->() const { return p_.get(); }
  T& operator*() { return *p_; }
  const T& operator*() const { return *p_; }
  T& value() {
    if (!p_) throw std::bad_optional_access();
    return *p_;
  }
  const T& value() const {
    if (!p_) throw std::bad_optional_access();
    return *p_;
  }

  template <typename... Args>
  T& emplace(Args&&... args) {
    p_ = std::make_unique<T>(std::forward<Args>(args)...);
    return *p_;
  }
  void reset() { p_.reset(); }

  friend bool operator==(const Boxed& a, const Boxed& b) {
    if (!a.p_ || !b.p_) return !a.p_ && !b.p_;
    return *a.p_ == *b.p_;
  }
  friend bool operator==(const Boxed& a, std::nullopt_t) { return !a.p_; }

 private:
  std::unique_ptr<T> p_;
};

}  // namespace tidal
