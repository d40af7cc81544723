#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

namespace sluice {
namespace asio = boost::asio;
} // namespace sluice
