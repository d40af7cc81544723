#include "http/router.h"

#include <boost/json/serialize.hpp>
#include <boost/json/object.hpp>
#include <fmt/format.h>

#include <chrono>

namespace sluice::http {
namespace {

std::vector<std::string_view> split_path(std::string_view path) {
    std::vector<std::string_view> out;
    size_t i = 0;
    while (i < path.size()) {
        if (path[i] == '/') {
            ++i;
            continue;
        }
        size_t j = path.find('/', i);
        if (j == std::string_view::npos) {
            j = path.size();
        }
        out.push_back(path.substr(i, j - i));
        i = j;
    }
    return out;
}

/// `in` with every byte that is not part of a well-formed UTF-8 sequence replaced by U+FFFD, so
/// an error message that quotes client input (a path, a name) stays valid JSON: Boost.JSON
/// serializes strings byte for byte (found by fuzz/http_request_fuzzer: a path with bytes
/// 0x80-0xFF made the 404 body invalid UTF-8).
std::string valid_utf8(std::string_view in) {
    std::string out;
    out.reserve(in.size());
    size_t i = 0;
    while (i < in.size()) {
        auto c = static_cast<unsigned char>(in[i]);
        size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
        bool ok = n > 0 && i + n <= in.size();
        uint32_t cp = n == 1 ? c : n == 2 ? c & 0x1f : n == 3 ? c & 0x0f : c & 0x07;
        for (size_t k = 1; ok && k < n; ++k) {
            auto b = static_cast<unsigned char>(in[i + k]);
            ok = (b & 0xc0) == 0x80;
            cp = (cp << 6) | (b & 0x3f);
        }
        // No overlong forms, no surrogates, nothing past U+10FFFF.
        ok = ok
             && !((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000)
                  || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff);
        if (ok) {
            out.append(in.substr(i, n));
            i += n;
        } else {
            out.append("\xEF\xBF\xBD");
            ++i;
        }
    }
    return out;
}

} // namespace

std::optional<std::string> percent_decode(std::string_view in) {
    std::string out;
    out.reserve(in.size());
    for (size_t i = 0; i < in.size(); ++i) {
        if (in[i] != '%') {
            out.push_back(in[i]);
            continue;
        }
        if (i + 2 >= in.size()) {
            return std::nullopt;
        }
        auto hex = [](char c) -> int {
            if (c >= '0' && c <= '9') return c - '0';
            if (c >= 'a' && c <= 'f') return c - 'a' + 10;
            if (c >= 'A' && c <= 'F') return c - 'A' + 10;
            return -1;
        };
        int hi = hex(in[i + 1]), lo = hex(in[i + 2]);
        if (hi < 0 || lo < 0) {
            return std::nullopt;
        }
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
    }
    return out;
}

std::string_view request_context::param(std::string_view name) const {
    for (auto& [k, v] : params) {
        if (k == name) {
            return v;
        }
    }
    return {};
}

response request_context::json(unsigned status, std::string body) const {
    response res{static_cast<beast::http::status>(status), req.version()};
    res.set(beast::http::field::content_type, "application/json");
    res.set("X-Request-Id", request_id);
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
}

response request_context::empty(unsigned status) const {
    response res{static_cast<beast::http::status>(status), req.version()};
    res.set("X-Request-Id", request_id);
    res.prepare_payload();
    return res;
}

response request_context::text(unsigned status, std::string body, std::string_view type) const {
    response res{static_cast<beast::http::status>(status), req.version()};
    res.set(beast::http::field::content_type, type);
    res.set("X-Request-Id", request_id);
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
}

response request_context::error(const api_error& e) const {
    boost::json::object inner;
    inner["code"] = e.code;
    inner["message"] = valid_utf8(e.message);
    inner["request_id"] = request_id;
    boost::json::object outer;
    outer["error"] = std::move(inner);
    auto res = json(e.status, boost::json::serialize(outer));
    if (e.status == 429 || e.status == 503) {
        // Overload and storage trouble are transient: tell clients when to come back (DESIGN.md).
        res.set(beast::http::field::retry_after, "1");
    }
    return res;
}

void router::add(beast::http::verb method, std::string pattern, handler h) {
    route r{method, pattern, {}, std::move(h), 0};
    for (auto s : split_path(pattern)) {
        r.segments.emplace_back(s);
    }
    r.probe_slot = _probe.add_route(fmt::format("{} {}", beast::http::to_string(method), pattern));
    _routes.push_back(std::move(r));
}

bool router::match(
    const route& r, const std::vector<std::string_view>& path,
    std::vector<std::pair<std::string_view, std::string>>& params) {
    if (r.segments.size() != path.size()) {
        return false;
    }
    params.clear();
    for (size_t i = 0; i < path.size(); ++i) {
        auto& seg = r.segments[i];
        if (seg.size() > 2 && seg.front() == '{' && seg.back() == '}') {
            auto decoded = percent_decode(path[i]);
            if (!decoded) {
                return false;
            }
            params.emplace_back(std::string_view(seg).substr(1, seg.size() - 2), std::move(*decoded));
        } else if (seg != path[i]) {
            return false;
        }
    }
    return true;
}

asio::awaitable<response> router::dispatch(request_context& ctx) {
    auto started = std::chrono::steady_clock::now();
    std::string_view target(ctx.req.target().data(), ctx.req.target().size());
    auto q = target.find('?');
    std::string_view path = target.substr(0, q);
    ctx.query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
    auto segments = split_path(path);
    const route* found = nullptr;
    bool path_known = false;
    for (auto& r : _routes) {
        if (match(r, segments, ctx.params)) {
            path_known = true;
            if (r.method == ctx.req.method()) {
                found = &r;
                break;
            }
        }
    }
    response res;
    size_t slot = SIZE_MAX;
    if (found) {
        slot = found->probe_slot;
        res = co_await found->h(ctx);
    } else if (path_known) {
        res = ctx.error({405, "MethodNotAllowed",
                         fmt::format("{} is not allowed on {}", ctx.req.method_string(), path)});
    } else {
        res = ctx.error({404, "NotFound", fmt::format("no such endpoint: {}", path)});
    }
    _probe.record(slot, res.result_int(), std::chrono::steady_clock::now() - started);
    co_return res;
}

} // namespace sluice::http
