#pragma once
// The completion token of every coroutine wait whose failure is expected (a closed socket, a
// cancelled timer): `auto [ec, n] = co_await op(..., kNoThrow);` returns the error with the
// results instead of throwing it. Exceptions are left to bugs.

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace mi {

inline constexpr auto kNoThrow = boost::asio::as_tuple(boost::asio::use_awaitable);

}  // namespace mi
