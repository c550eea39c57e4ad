#pragma once
// A non-blocking read or write that found nothing to read or no room to write: not a failure.

#include <boost/asio/error.hpp>
#include <boost/system/error_code.hpp>

namespace mi::hub {

inline bool would_block(const boost::system::error_code& ec) {
  return ec == boost::asio::error::would_block || ec == boost::asio::error::try_again;
}

}  // namespace mi::hub
