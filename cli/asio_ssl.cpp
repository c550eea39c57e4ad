// Asio's TLS layer, compiled once for mi (BOOST_ASIO_SEPARATE_COMPILATION leaves it out of every
// other translation unit, and hub/boost_impl.cpp compiles only Asio's core and Beast).
#include <boost/asio/ssl/impl/src.hpp>
