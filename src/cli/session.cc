#include "cli/session.h"

#include "cli/api_error.h"
#include "cli/errc.h"
#include "cli/server_url.h"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

namespace sluice::cli {
namespace json = boost::json;

namespace {

client_options make_client_options(const global_options& options) {
    auto url = parse_server_url(options.server);
    if (!url) {
        throw CLI::ValidationError(
            "--server", fmt::format("'{}': {}", options.server, url.error().message()));
    }
    client_options out;
    out.server = *url;
    out.api_key = options.api_key;
    return out;
}

} // namespace

void fail(std::string_view message, int exit_code) {
    std::cout.flush();
    std::cerr << "error: " << message << std::endl;
    throw CLI::RuntimeError(exit_code);
}

session::session(const global_options& options)
  : _client(make_client_options(options)) {}

http_response session::send(const http_request& request) {
    auto response = _client.send(request);
    if (!response) {
        fail(_client.describe(response.error()));
    }
    return std::move(*response);
}

void session::fail_with(const http_response& response) {
    fail(format_api_error(parse_api_error(response)));
}

api_answer session::call(
    http_method method, std::string path, const json::value* body, std::optional<millis> timeout) {
    http_request request;
    request.method = method;
    request.path = std::move(path);
    request.timeout = timeout;
    if (body != nullptr) {
        request.body = json::serialize(*body);
        request.content_type = "application/json";
    }
    auto response = send(request);
    if (response.status < 200 || response.status >= 300) {
        fail_with(response);
    }
    api_answer answer;
    answer.status = response.status;
    if (!response.body.empty()) {
        boost::system::error_code ec;
        answer.body = json::parse(response.body, ec);
        if (ec) {
            fail(fmt::format(
                "{}: the answer to {} is not JSON ({})", error_code(errc::bad_response).message(),
                request.path, ec.message()));
        }
    }
    answer.text = std::move(response.body);
    return answer;
}

std::string queue_path(std::string_view name, std::string_view suffix) {
    return fmt::format("/v1/queues/{}{}", name, suffix);
}

std::string topic_path(std::string_view name, std::string_view suffix) {
    return fmt::format("/v1/topics/{}{}", name, suffix);
}

std::string subscription_path(
    std::string_view topic, std::string_view name, std::string_view suffix) {
    return fmt::format("/v1/topics/{}/subscriptions/{}{}", topic, name, suffix);
}

std::string read_stdin() {
    std::string data(std::istreambuf_iterator<char>(std::cin), {});
    if (std::cin.bad()) {
        fail("cannot read stdin");
    }
    return data;
}

std::string read_input(const std::string& path) {
    if (path == "-") {
        return read_stdin();
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        fail(fmt::format("cannot open {}: {}", path, std::strerror(errno)));
    }
    std::ostringstream data;
    data << in.rdbuf();
    if (in.bad()) {
        fail(fmt::format("cannot read {}", path));
    }
    return std::move(data).str();
}

} // namespace sluice::cli
