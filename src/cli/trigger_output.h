#pragma once

#include <boost/json/fwd.hpp>

#include <string>

namespace sluice::cli {

/// Sans-io text of the trigger commands (the server's JSON in, what a human reads out; --json
/// prints the JSON itself). Unit-tested in tests/trigger_output_test.cc.

/// `trigger list`: a header and one row per trigger; "no triggers" when empty.
std::string format_trigger_table(const boost::json::array& triggers);

/// `trigger get`: the settings as "label  value" lines, then where it stands (state, running
/// invocations, backlog).
std::string format_trigger_details(const boost::json::object& trigger);

/// `trigger stats`: state, concurrency now / peak / cap, backlog and its oldest age, then the
/// counters since the server started.
std::string format_trigger_stats(const boost::json::object& trigger);

} // namespace sluice::cli
