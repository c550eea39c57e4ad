#pragma once
// Running Asio work to completion in tests, always with a deadline.

#include <algorithm>
#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <thread>
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

namespace mi::test {

// Runs `io` until `done()` holds; false if `timeout` passed first.
inline bool run_until(boost::asio::io_context& io, const std::function<bool()>& done,
                      std::chrono::milliseconds timeout) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + timeout;
  while (!done()) {
    const auto now = Clock::now();
    if (now >= deadline) return false;
    if (io.stopped()) io.restart();
    const auto slice = std::min<Clock::duration>(deadline - now, std::chrono::milliseconds{10});
    if (io.run_one_for(slice) == 0 && io.stopped())
      std::this_thread::sleep_for(std::chrono::milliseconds{1});  // no work at all right now
  }
  return true;
}

// Lets timers and I/O progress for `duration`.
inline void run_for(boost::asio::io_context& io, std::chrono::milliseconds duration) {
  run_until(io, [] { return false; }, duration);
}

// Runs `task` on `io` and returns its value; throws std::runtime_error if it does not finish in
// time (the coroutine is then left suspended; its state is kept alive safely), and rethrows
// what the coroutine threw.
template <class T>
T run_awaitable(boost::asio::io_context& io, boost::asio::awaitable<T> task, std::chrono::milliseconds timeout) {
  struct Outcome {
    std::optional<T> value;
    std::exception_ptr error;
    bool done = false;
  };
  auto outcome = std::make_shared<Outcome>();
  boost::asio::co_spawn(io, std::move(task), [outcome](std::exception_ptr error, T value) {
    outcome->error = error;
    if (!error) outcome->value.emplace(std::move(value));
    outcome->done = true;
  });
  if (!run_until(io, [&] { return outcome->done; }, timeout))
    throw std::runtime_error("awaitable did not complete within the test timeout");
  if (outcome->error) std::rethrow_exception(outcome->error);
  return std::move(*outcome->value);
}

// Starts `task` on `io` without waiting: the result appears in the optional once it finished
// (drive `io` with run_until). An exception from the task propagates out of the io_context run.
template <class T>
std::shared_ptr<std::optional<T>> start_awaitable(boost::asio::io_context& io, boost::asio::awaitable<T> task) {
  auto result = std::make_shared<std::optional<T>>();
  boost::asio::co_spawn(io, std::move(task), [result](std::exception_ptr error, T value) {
    if (error) std::rethrow_exception(error);
    result->emplace(std::move(value));
  });
  return result;
}

}  // namespace mi::test
