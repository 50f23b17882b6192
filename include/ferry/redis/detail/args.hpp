// ferry/redis/detail/args.hpp — collects command arguments as string_views without touching
// the heap for the common case (up to 16 arguments). Internal; not part of the API.
#pragma once

#include <array>
#include <concepts>
#include <cstddef>
#include <ranges>
#include <span>
#include <string_view>
#include <type_traits>
#include <vector>

namespace ferry::redis::detail {

/// A range whose elements can be viewed as string_views that outlive the call: lvalue
/// strings, string_views, or C strings (a range yielding temporary std::strings would dangle).
template <class R>
concept arg_range = std::ranges::input_range<R> &&
    std::convertible_to<std::ranges::range_reference_t<R>, std::string_view> &&
    (std::is_lvalue_reference_v<std::ranges::range_reference_t<R>> ||
     std::same_as<std::remove_cvref_t<std::ranges::range_reference_t<R>>, std::string_view> ||
     std::same_as<std::decay_t<std::ranges::range_reference_t<R>>,
                  const char*>)&&(!std::convertible_to<R, std::span<const std::string_view>>);

/// Argument views on the stack for small commands, spilling to a vector for large ones.
class arg_buffer {
 public:
  template <arg_range R>
  explicit arg_buffer(R&& args) {
    for (auto&& a : args) push(std::string_view(a));
  }
  arg_buffer(const arg_buffer&) = delete;
  arg_buffer& operator=(const arg_buffer&) = delete;

  [[nodiscard]] std::span<const std::string_view> view() const noexcept {
    if (!heap_.empty()) return heap_;
    return {stack_.data(), size_};
  }

 private:
  void push(std::string_view a) {
    if (size_ < stack_.size()) {
      stack_[size_++] = a;
      return;
    }
    if (heap_.empty()) heap_.assign(stack_.begin(), stack_.end());
    heap_.push_back(a);
  }

  std::array<std::string_view, 16> stack_{};
  std::size_t size_ = 0;
  std::vector<std::string_view> heap_;
};

}  // namespace ferry::redis::detail
