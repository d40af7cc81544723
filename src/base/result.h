#pragma once

#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

namespace sluice {

/// Fallible functions return result<T>: a value or an error_code from a module's errc.
template<class T>
using result = boost::system::result<T>;
using error_code = boost::system::error_code;

} // namespace sluice
