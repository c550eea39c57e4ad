#pragma once
// A move-only, type-erased, one-shot completion handler: the coroutine waiting for a result.

#include <memory>
#include <type_traits>
#include <utility>

namespace mi::redis::detail {

template <class T>
class ResumeSlot {
 public:
  ResumeSlot() = default;
  template <class Handler>
  explicit ResumeSlot(Handler&& handler)
      : holder_(std::make_unique<Holder<std::decay_t<Handler>>>(std::forward<Handler>(handler))) {}

  explicit operator bool() const { return holder_ != nullptr; }
  void operator()(T value) {
    auto holder = std::move(holder_);
    holder->invoke(std::move(value));
  }

 private:
  struct Base {
    virtual ~Base() = default;
    virtual void invoke(T value) = 0;
  };
  template <class Handler>
  struct Holder final : Base {
    explicit Holder(Handler&& h) : handler(std::move(h)) {}
    explicit Holder(const Handler& h) : handler(h) {}
    void invoke(T value) override { std::move(handler)(std::move(value)); }
    Handler handler;
  };
  std::unique_ptr<Base> holder_;
};

}  // namespace mi::redis::detail
