// The single translation unit that compiles Asio's SSL support (BOOST_ASIO_SEPARATE_COMPILATION
// is on for every target, see base/CMakeLists.txt; base/asio_impl.cc compiles the rest of Asio
// and Beast). Beast's ssl_stream is header-only on top of it. Another module that needs
// asio::ssl links sluice::push or moves this file to base/ — never compiles it a second time.
#include <boost/asio/ssl/impl/src.hpp>
