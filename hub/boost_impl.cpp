// The one translation unit that compiles Asio and Beast (see BOOST_*_SEPARATE_COMPILATION in
// CMakeLists.txt): every other file includes only their declarations, which keeps builds fast.
// Asio's TLS layer is compiled here too (its error categories name OpenSSL's errors).
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
