#pragma once

#include "cli/commands.h"
#include "cli/http_client.h"

#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace sluice::cli {

/// Prints "error: <message>" on stderr and throws CLI::RuntimeError(exit_code): how a command
/// callback fails once the message is out (commands.h contract). Usage errors are thrown as
/// CLI::ValidationError instead, so CLI11 reports them like its own.
[[noreturn]] void fail(std::string_view message, int exit_code = 1);

/// A successful (2xx) JSON answer.
struct api_answer {
    int status = 0;
    boost::json::value body; ///< null when the body was empty
    std::string text;        ///< the body as received, for --json
};

/// What one command invocation needs to talk to the server: an http_client for the global
/// options, plus helpers that turn transport failures and error responses into `fail(...)`.
/// Created inside a command callback; lives for that one invocation (one thread).
class session {
public:
    /// Throws CLI::ValidationError when --server is not a usable URL.
    explicit session(const global_options& options);

    /// Sends the request; a transport failure fails the command with http_client::describe.
    /// Any status is returned.
    http_response send(const http_request& request);

    /// Sends a JSON request (body may be null for none) and returns the parsed JSON answer (null
    /// for an empty body). A non-2xx answer fails the command with the server's error;
    /// an unparsable 2xx body fails it too.
    api_answer call(
        http_method method, std::string path, const boost::json::value* body = nullptr,
        std::optional<millis> timeout = std::nullopt);

    /// Fails the command with the server's error from a non-2xx response.
    [[noreturn]] static void fail_with(const http_response& response);

    http_client& client() { return _client; }

private:
    http_client _client;
};

/// "/v1/queues/" + name. Names are validated before, so they need no escaping.
std::string queue_path(std::string_view name, std::string_view suffix = {});
/// "/v1/topics/" + name + suffix.
std::string topic_path(std::string_view name, std::string_view suffix = {});
/// "/v1/topics/" + topic + "/subscriptions/" + name + suffix.
std::string subscription_path(
    std::string_view topic, std::string_view name, std::string_view suffix = {});

/// Reads all of stdin (binary). Fails the command on a read error.
std::string read_stdin();

/// Reads a whole file (binary), or stdin for "-". Fails the command when it cannot be read.
std::string read_input(const std::string& path);

} // namespace sluice::cli
