#include "config/server_config.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <charconv>

namespace sluice::config {
namespace {

using parse_fn = std::function<std::optional<std::string>(server_config&, const std::string&)>;
using show_fn = std::function<std::string(const server_config&)>;

template<class Member>
setting string_setting(std::string name, std::string desc, Member member) {
    return {
        std::move(name), std::move(desc), "",
        [member](server_config& c, const std::string& v) -> std::optional<std::string> {
            c.*member = v;
            return std::nullopt;
        },
        [member](const server_config& c) { return c.*member; }};
}

template<class Member>
setting duration_setting(std::string name, std::string desc, Member member, millis max) {
    return {
        std::move(name), std::move(desc), "",
        [member, max](server_config& c, const std::string& v) -> std::optional<std::string> {
            auto d = parse_duration(v);
            if (!d || *d > max) {
                return fmt::format(
                    "expected a duration such as 500ms, 10s or 2m (at most {}), got '{}'",
                    format_duration(max), v);
            }
            c.*member = *d;
            return std::nullopt;
        },
        [member](const server_config& c) { return format_duration(c.*member); }};
}

/// `v` as a whole decimal integer in lo..hi, or nullopt.
std::optional<unsigned> parse_uint(const std::string& v, unsigned lo, unsigned hi) {
    unsigned n = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc{} || p != v.data() + v.size() || n < lo || n > hi) {
        return std::nullopt;
    }
    return n;
}

template<class Member>
setting uint_setting(std::string name, std::string desc, Member member, unsigned lo, unsigned hi) {
    return {
        std::move(name), std::move(desc), "",
        [member, lo, hi](server_config& c, const std::string& v) -> std::optional<std::string> {
            auto n = parse_uint(v, lo, hi);
            if (!n) {
                return fmt::format("expected an integer in {}..{}, got '{}'", lo, hi, v);
            }
            c.*member = *n;
            return std::nullopt;
        },
        [member](const server_config& c) { return std::to_string(c.*member); }};
}

std::vector<setting> build_settings() {
    std::vector<setting> s;
    s.push_back(string_setting(
        "data_dir", "Directory of the embedded store (created if missing).",
        &server_config::data_dir));
    s.push_back(string_setting(
        "listen", "Address to serve HTTP on, host:port. Off loopback an api_key is required.",
        &server_config::listen));
    s.push_back(uint_setting(
        "shards", "Number of shards (threads); 0 means one per core.", &server_config::shards, 0,
        256));
    s.push_back(
        {"idle_poll_us",
         "Microseconds a shard keeps polling for input after its last piece of work before it "
         "sleeps, taking a thread wake-up (tens of µs on a VM) off each request at moderate "
         "load; 0 sleeps at once. It polls only on an otherwise idle core: it yields to any "
         "other runnable thread and backs off while they keep the core busy. auto (default): "
         "400 with interval or none durability, 0 with fsync (each publish waits for the disk "
         "anyway) or when the process has a CPU quota (a container's CPU limit), which polling "
         "would spend.",
         "",
         [](server_config& c, const std::string& v) -> std::optional<std::string> {
             if (v == "auto") {
                 c.idle_poll_us.reset();
                 return std::nullopt;
             }
             auto n = parse_uint(v, 0, 100'000);
             if (!n) {
                 return fmt::format("expected auto or an integer in 0..100000, got '{}'", v);
             }
             c.idle_poll_us = *n;
             return std::nullopt;
         },
         [](const server_config& c) {
             return c.idle_poll_us ? std::to_string(*c.idle_poll_us) : std::string("auto");
         }});
    s.push_back(
        {"durability",
         "When a publish is acknowledged: fsync (on disk, default), interval (fsync every "
         "sync_interval), none (left to the OS).",
         "",
         [](server_config& c, const std::string& v) -> std::optional<std::string> {
             if (v != "fsync" && v != "interval" && v != "none") {
                 return fmt::format("expected fsync, interval or none, got '{}'", v);
             }
             c.durability = v;
             return std::nullopt;
         },
         [](const server_config& c) { return c.durability; }});
    s.push_back(duration_setting(
        "sync_interval", "How often `interval` durability fsyncs.", &server_config::sync_interval,
        millis(60'000)));
    s.push_back(string_setting(
        "api_key", "API key required on every request (Authorization: Bearer KEY) when set.",
        &server_config::api_key));
    s.back().show = [](const server_config& c) {
        return c.api_key.empty() ? std::string() : std::string("(set)");
    };
    s.push_back(
        {"max_request_size", "Largest request body accepted; bigger ones get 413.", "",
         [](server_config& c, const std::string& v) -> std::optional<std::string> {
             auto b = parse_byte_size(v);
             if (!b || b->bytes < 1024 || b->bytes > (1ULL << 30)) {
                 return fmt::format("expected a size in 1KiB..1GiB such as 20MiB, got '{}'", v);
             }
             c.max_request_size = *b;
             return std::nullopt;
         },
         [](const server_config& c) { return std::to_string(c.max_request_size.bytes); }});
    s.push_back(duration_setting(
        "header_timeout", "A client must send its request headers within this.",
        &server_config::header_timeout, millis(600'000)));
    s.push_back(duration_setting(
        "body_timeout", "A client must send its request body within this.",
        &server_config::body_timeout, millis(3'600'000)));
    s.push_back(duration_setting(
        "idle_timeout", "An idle keep-alive connection is closed after this.",
        &server_config::idle_timeout, millis(3'600'000)));
    s.push_back(uint_setting(
        "max_connections", "Connections beyond this are closed at once.",
        &server_config::max_connections, 1, 1'000'000));
    s.push_back(uint_setting(
        "max_in_flight",
        "Most messages received and not yet acknowledged, per queue and per subscription "
        "partition; a receive beyond it gets 429 OverLimit.",
        &server_config::max_in_flight, 1, 10'000'000));
    s.push_back(string_setting(
        "log_level", "trace, debug, info, warn, error or off.", &server_config::log_level));
    s.push_back(duration_setting(
        "retention_sweep_interval", "How often expired messages are removed.",
        &server_config::retention_sweep_interval, millis(3'600'000)));
    server_config defaults;
    for (auto& one : s) {
        one.default_value = one.show(defaults);
    }
    return s;
}

} // namespace

std::string setting::env_name() const {
    std::string out = "SLUICE_";
    for (char c : name) {
        out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    }
    return out;
}

std::string setting::flag_name() const {
    std::string out = "--";
    for (char c : name) {
        out.push_back(c == '_' ? '-' : c);
    }
    return out;
}

const std::vector<setting>& settings() {
    static const std::vector<setting> all = build_settings();
    return all;
}

load_result load(
    const std::string& yaml_path, const std::map<std::string, std::string>& flags,
    const std::function<const char*(const char*)>& getenv) {
    server_config c;
    auto find = [](const std::string& name) -> const setting* {
        for (auto& s : settings()) {
            if (s.name == name) {
                return &s;
            }
        }
        return nullptr;
    };
    if (!yaml_path.empty()) {
        YAML::Node root;
        try {
            root = YAML::LoadFile(yaml_path);
        } catch (const std::exception& e) {
            return {std::nullopt, fmt::format("cannot read config file {}: {}", yaml_path, e.what())};
        }
        if (root && !root.IsNull()) {
            if (!root.IsMap()) {
                return {std::nullopt, fmt::format("{}: expected a mapping of settings", yaml_path)};
            }
            for (auto it : root) {
                // A complex key (`? [a, b]`) made as<std::string>() throw, which escaped load()
                // and aborted `sluice serve` (found by fuzz/config_yaml_fuzzer).
                if (!it.first.IsScalar()) {
                    return {
                        std::nullopt,
                        fmt::format(
                            "{}:{}: a setting name must be a plain word", yaml_path,
                            it.first.Mark().line + 1)};
                }
                auto key = it.first.as<std::string>();
                auto* s = find(key);
                if (!s) {
                    return {
                        std::nullopt,
                        fmt::format(
                            "{}:{}: unknown setting '{}' (see `sluice config show --defaults`)",
                            yaml_path, it.first.Mark().line + 1, key)};
                }
                if (!it.second.IsScalar()) {
                    return {std::nullopt, fmt::format("{}: {}: expected a scalar", yaml_path, key)};
                }
                if (auto err = s->apply(c, it.second.as<std::string>())) {
                    return {std::nullopt, fmt::format("{}: {}: {}", yaml_path, key, *err)};
                }
            }
        }
    }
    for (auto& s : settings()) {
        if (const char* v = getenv(s.env_name().c_str())) {
            if (auto err = s.apply(c, v)) {
                return {std::nullopt, fmt::format("{}: {}", s.env_name(), *err)};
            }
        }
    }
    for (auto& [name, value] : flags) {
        auto* s = find(name);
        if (!s) {
            return {std::nullopt, fmt::format("unknown setting '{}'", name)};
        }
        if (auto err = s->apply(c, value)) {
            return {std::nullopt, fmt::format("{}: {}", s->flag_name(), *err)};
        }
    }
    if (auto err = validate(c)) {
        return {std::nullopt, *err};
    }
    return {c, {}};
}

std::optional<std::pair<std::string, uint16_t>> split_listen(const std::string& listen) {
    auto colon = listen.rfind(':');
    if (colon == std::string::npos || colon == 0) {
        return std::nullopt;
    }
    std::string host = listen.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    unsigned port = 0;
    auto ps = std::string_view(listen).substr(colon + 1);
    auto [p, ec] = std::from_chars(ps.data(), ps.data() + ps.size(), port);
    if (ec != std::errc{} || p != ps.data() + ps.size() || port > 65535) {
        return std::nullopt;
    }
    return std::make_pair(host, static_cast<uint16_t>(port));
}

bool is_loopback_listen(const std::string& listen) {
    auto hp = split_listen(listen);
    if (!hp) {
        return false;
    }
    auto& host = hp->first;
    return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

std::optional<std::string> validate(const server_config& c) {
    if (!split_listen(c.listen)) {
        return fmt::format("listen: expected host:port such as 127.0.0.1:8080, got '{}'", c.listen);
    }
    if (!is_loopback_listen(c.listen) && c.api_key.empty()) {
        return fmt::format(
            "refusing to listen on {} without an API key: off loopback every request must be "
            "authenticated. Set --api-key (or SLUICE_API_KEY), or listen on 127.0.0.1.",
            c.listen);
    }
    if (c.data_dir.empty()) {
        return std::string("data_dir: must not be empty");
    }
    return std::nullopt;
}

} // namespace sluice::config
