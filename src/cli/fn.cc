// `sluice fn deploy|invoke|logs|stats|list|get|delete`: functions (docs/functions.md).
#include "base/base64.h"
#include "base/units.h"
#include "cli/api_error.h"
#include "cli/apply_functions.h"
#include "cli/fn_code.h"
#include "cli/flags.h"
#include "cli/subcommands.h"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>
#include <atomic>
#include <cstdlib>

namespace sluice::cli {
namespace json = boost::json;
namespace fs = std::filesystem;

std::string function_path(std::string_view name, std::string_view suffix) {
    return fmt::format("/v1/functions/{}{}", name, suffix);
}

namespace {

struct fn_args {
    std::string name;
    std::string kind;
    std::string runtime;
    std::string handler;
    std::string code;
    std::string command;
    std::string url;
    std::vector<std::string> env;
    std::string timeout, memory, idle_timeout, max_event_age, init_timeout;
    int max_instances = -1, min_instances = -1, concurrency = -1, retries = -1, max_queued = -1;
    std::string on_success, on_failure;
    std::string payload;
    std::string payload_file;
    bool async = false;
    bool follow = false;
    int limit = 100;
    bool json = false;
};

void print_raw(const std::string& text) {
    std::cout << text;
    if (text.empty() || text.back() != '\n') {
        std::cout << '\n';
    }
}

} // namespace

// --- a ustar writer, so a code directory travels as one archive -------------------------------

namespace {
void octal(char* field, size_t width, uint64_t value) {
    auto s = fmt::format("{:0{}o}", value, width - 1);
    std::memcpy(field, s.data(), std::min(s.size(), width - 1));
}
} // namespace

void tar_entry(std::string& out, const std::string& path, char type, const std::string& data, unsigned mode,
               const std::string& link) {
    char h[512] = {};
    std::string name = path, prefix;
    if (name.size() > 100) {
        auto cut = name.rfind('/', 155);
        if (cut == std::string::npos || name.size() - cut - 1 > 100) {
            fail(fmt::format("path too long for the code archive: {}", path));
        }
        prefix = name.substr(0, cut);
        name = name.substr(cut + 1);
    }
    std::memcpy(h, name.data(), name.size());
    octal(h + 100, 8, mode);
    octal(h + 108, 8, 0);
    octal(h + 116, 8, 0);
    octal(h + 124, 12, data.size());
    octal(h + 136, 12, 0);
    std::memset(h + 148, ' ', 8);
    h[156] = type;
    std::memcpy(h + 157, link.data(), std::min<size_t>(link.size(), 100));
    std::memcpy(h + 257, "ustar", 6);
    std::memcpy(h + 263, "00", 2);
    std::memcpy(h + 345, prefix.data(), prefix.size());
    unsigned sum = 0;
    for (unsigned char c : h) {
        sum += c;
    }
    auto s = fmt::format("{:06o}", sum);
    std::memcpy(h + 148, s.data(), 6);
    h[154] = '\0';
    out.append(h, 512);
    out += data;
    out.append((512 - data.size() % 512) % 512, '\0');
}

std::string tar_directory(const fs::path& root) {
    std::string out;
    std::vector<fs::path> paths;
    for (auto& e : fs::recursive_directory_iterator(root)) {
        paths.push_back(e.path());
    }
    std::sort(paths.begin(), paths.end());
    for (auto& p : paths) {
        auto rel = fs::relative(p, root).generic_string();
        auto st = fs::symlink_status(p);
        if (fs::is_symlink(st)) {
            tar_entry(out, rel, '2', {}, 0777, fs::read_symlink(p).string());
        } else if (fs::is_directory(st)) {
            tar_entry(out, rel + "/", '5', {}, 0755);
        } else if (fs::is_regular_file(st)) {
            std::ifstream in(p, std::ios::binary);
            std::string data((std::istreambuf_iterator<char>(in)), {});
            bool exec = (st.permissions() & fs::perms::owner_exec) != fs::perms::none;
            tar_entry(out, rel, '0', data, exec ? 0755 : 0644);
        }
    }
    out.append(1024, '\0');
    return out;
}

namespace {

std::string code_archive(const std::string& path) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
        return tar_directory(path);
    }
    if (!fs::exists(path, ec)) {
        fail(fmt::format("--code {}: no such file or directory", path));
    }
    return read_input(path);
}

void run_deploy(const global_options& options, const fn_args& a) {
    json::object body;
    if (!a.kind.empty()) body["kind"] = a.kind;
    if (!a.runtime.empty()) body["runtime"] = a.runtime;
    if (!a.handler.empty()) body["handler"] = a.handler;
    if (!a.command.empty()) body["command"] = a.command;
    if (!a.url.empty()) body["url"] = a.url;
    if (!a.env.empty()) {
        json::object env;
        for (auto& kv : a.env) {
            auto eq = kv.find('=');
            if (eq == std::string::npos || eq == 0) {
                throw CLI::ValidationError("--env", "use KEY=VALUE: " + kv);
            }
            env[kv.substr(0, eq)] = kv.substr(eq + 1);
        }
        body["env"] = std::move(env);
    }
    auto dur = [&](const char* key, const std::string& v) {
        if (!v.empty()) body[key] = format_duration(*parse_duration(v));
    };
    dur("timeout", a.timeout);
    dur("idle_timeout", a.idle_timeout);
    dur("max_event_age", a.max_event_age);
    dur("init_timeout", a.init_timeout);
    if (!a.memory.empty()) body["memory"] = parse_byte_size(a.memory)->bytes;
    auto num = [&](const char* key, int v) {
        if (v >= 0) body[key] = v;
    };
    num("max_instances", a.max_instances);
    num("min_instances", a.min_instances);
    num("concurrency", a.concurrency);
    num("retries", a.retries);
    num("max_queued", a.max_queued);
    if (!a.on_success.empty()) body["on_success"] = a.on_success;
    if (!a.on_failure.empty()) body["on_failure"] = a.on_failure;
    if (!a.code.empty()) {
        body["code_base64"] = base64_encode(code_archive(a.code));
    }
    session s(options);
    json::value doc = std::move(body);
    auto answer = s.call(http_method::put, function_path(a.name), &doc, millis(120'000));
    if (a.json) {
        print_raw(answer.text);
        return;
    }
    auto& o = answer.body.as_object();
    std::string sha = o.contains("code_sha256") ? std::string(o.at("code_sha256").as_string()) : "";
    std::cout << fmt::format(
        "{} function {} (code {})\n", answer.status == 201 ? "created" : "updated", a.name,
        sha.empty() ? "none" : sha.substr(0, 12));
}

void run_invoke(const global_options& options, const fn_args& a) {
    std::string payload = a.payload;
    if (!a.payload_file.empty()) {
        payload = read_input(a.payload_file);
    }
    if (payload.empty()) {
        payload = "{}";
    }
    session s(options);
    http_request req;
    req.method = http_method::post;
    req.path = function_path(a.name, "/invoke");
    req.body = payload;
    req.content_type = "application/json";
    req.timeout = millis(16 * 60 * 1000);
    if (a.async) {
        req.headers.push_back({"Sluice-Invocation-Type", "Event"});
    }
    auto res = s.send(req);
    if (res.status / 100 != 2) {
        auto err = parse_api_error(res);
        if (!a.json) {
            // Show the handler's stack trace when there is one.
            boost::system::error_code ec;
            auto v = json::parse(res.body, ec);
            if (!ec && v.is_object() && v.as_object().contains("error")) {
                auto& e = v.as_object().at("error").as_object();
                if (auto* d = e.if_contains("details"); d && d->is_object()) {
                    if (auto* st = d->as_object().if_contains("stackTrace"); st && st->is_array()) {
                        for (auto& line : st->as_array()) {
                            if (line.is_string()) {
                                std::string_view text(line.as_string().data(), line.as_string().size());
                                std::cerr << text;
                                if (text.empty() || text.back() != '\n') {
                                    std::cerr << '\n';
                                }
                            }
                        }
                    }
                }
            }
        } else {
            print_raw(res.body);
        }
        fail(format_api_error(err));
    }
    if (a.async && !a.json) {
        boost::system::error_code ec;
        auto v = json::parse(res.body, ec);
        if (!ec && v.is_object() && v.as_object().contains("invocation_id")) {
            auto& id = v.as_object().at("invocation_id").as_string();
            std::cout << std::string_view(id.data(), id.size()) << '\n';
            return;
        }
    }
    print_raw(res.body);
}

void print_lines(const json::value& v, uint64_t& next) {
    if (!v.is_object()) {
        return;
    }
    auto& o = v.as_object();
    if (auto* lines = o.if_contains("lines"); lines && lines->is_array()) {
        for (auto& l : lines->as_array()) {
            auto& lo = l.as_object();
            auto inv = std::string(lo.at("invocation_id").as_string());
            std::cout << fmt::format(
                "{} {} {} {}\n", std::string(lo.at("time").as_string()), std::string(lo.at("instance").as_string()),
                inv.empty() ? "-" : inv.substr(0, 8), std::string(lo.at("text").as_string()));
        }
    }
    if (auto* n = o.if_contains("next"); n && n->is_number()) {
        next = n->to_number<uint64_t>();
    }
    std::cout.flush();
}

void run_logs(const global_options& options, const fn_args& a) {
    session s(options);
    auto answer = s.call(http_method::get, function_path(a.name, fmt::format("/logs?limit={}", a.limit)));
    if (a.json && !a.follow) {
        print_raw(answer.text);
        return;
    }
    uint64_t next = 0;
    print_lines(answer.body, next);
    while (a.follow) {
        auto more = s.call(
            http_method::get, function_path(a.name, fmt::format("/logs?since={}&wait=20s&limit=500", next)),
            nullptr, millis(30'000));
        print_lines(more.body, next);
    }
}

void print_function(const json::object& f) {
    auto str = [&](const char* k) -> std::string {
        auto* v = f.if_contains(k);
        if (!v) return "";
        if (v->is_string()) return std::string(v->as_string());
        return json::serialize(*v);
    };
    for (auto* k : {"name", "kind", "runtime", "handler", "command", "url", "code_sha256", "timeout", "memory",
                    "max_instances", "min_instances", "idle_timeout", "concurrency", "retries", "max_event_age",
                    "on_success", "on_failure", "updated_at"}) {
        auto v = str(k);
        if (!v.empty() && v != "\"\"") {
            std::cout << fmt::format("{:<16}{}\n", k, v);
        }
    }
}

void print_stats(const json::object& f) {
    auto* st = f.if_contains("stats");
    if (!st || !st->is_object()) return;
    for (auto& [k, v] : st->as_object()) {
        if (v.is_string() && v.as_string().empty()) continue;
        std::cout << fmt::format("{:<22}{}\n", std::string(k), v.is_string() ? std::string(v.as_string()) : json::serialize(v));
    }
}

void run_get(const global_options& options, const fn_args& a, bool stats) {
    session s(options);
    auto answer = s.call(http_method::get, function_path(a.name));
    if (a.json || !answer.body.is_object()) {
        print_raw(answer.text);
        return;
    }
    if (stats) {
        print_stats(answer.body.as_object());
    } else {
        print_function(answer.body.as_object());
        print_stats(answer.body.as_object());
    }
}

void run_list(const global_options& options, const fn_args& a) {
    session s(options);
    auto answer = s.call(http_method::get, "/v1/functions");
    if (a.json) {
        print_raw(answer.text);
        return;
    }
    auto& fns = answer.body.as_object().at("functions").as_array();
    if (fns.empty()) {
        std::cout << "no functions\n";
        return;
    }
    std::cout << fmt::format("{:<32} {:<8} {:<12} {:>9} {:>11} {:>7}\n", "NAME", "KIND", "RUNTIME", "INSTANCES", "INVOCATIONS", "ERRORS");
    for (auto& v : fns) {
        auto& f = v.as_object();
        auto& st = f.at("stats").as_object();
        auto rt = f.contains("runtime") ? std::string(f.at("runtime").as_string()) : "-";
        std::cout << fmt::format(
            "{:<32} {:<8} {:<12} {:>9} {:>11} {:>7}\n", std::string(f.at("name").as_string()),
            std::string(f.at("kind").as_string()), rt, json::serialize(st.at("instances")),
            json::serialize(st.at("invocations")), json::serialize(st.at("errors")));
    }
}

void run_delete(const global_options& options, const fn_args& a) {
    session s(options);
    s.call(http_method::delete_, function_path(a.name));
    std::cout << fmt::format("deleted function {}\n", a.name);
}

CLI::App* add_named(CLI::App& parent, const char* name, const char* description, std::shared_ptr<fn_args> a) {
    auto* cmd = parent.add_subcommand(name, description);
    cmd->add_option("NAME", a->name, "Function name ([A-Za-z0-9_.-]{1,124})")->required()->check(name_validator());
    cmd->add_flag("--json", a->json, "Print the server's JSON answer");
    return cmd;
}

} // namespace

std::string pack_function_code(const std::string& path) { return code_archive(path); }

void add_fn_commands(CLI::App& app, std::shared_ptr<global_options> options) {
    auto* fn = app.add_subcommand("fn", "Deploy, invoke and watch functions");
    fn->require_subcommand(1);
    fn->footer(examples({
        "sluice fn deploy resize --runtime python --handler app.handler --code ./resize/",
        "sluice fn invoke resize '{\"image\":\"a.jpg\"}'",
        "sluice fn invoke resize '{\"image\":\"a.jpg\"}' --async",
        "sluice fn logs resize --follow",
        "sluice fn stats resize",
    }));
    {
        auto a = std::make_shared<fn_args>();
        auto* cmd = add_named(*fn, "deploy", "Create or update a function (code from a directory, .zip or .tar.gz)", a);
        cmd->add_option("--kind", a->kind, "process (default), http or webhook")->check(CLI::IsMember({"process", "http", "webhook"}));
        cmd->add_option("--runtime", a->runtime, "python, node or provided (process kind)");
        cmd->add_option("--handler", a->handler, "module.function, e.g. app.handler");
        cmd->add_option("--code", a->code, "A directory, .zip, .tar.gz or .tar with the code");
        cmd->add_option("--command", a->command, "http kind: the command that serves HTTP on $PORT");
        cmd->add_option("--url", a->url, "webhook kind: the URL to POST events to");
        cmd->add_option("--env", a->env, "KEY=VALUE environment variable (repeatable)");
        cmd->add_option("--timeout", a->timeout, "Per invocation (default 3s, 100ms to 15m)")->check(duration_validator());
        cmd->add_option("--memory", a->memory, "Memory limit (default 256MiB)")->check(byte_size_validator());
        cmd->add_option("--max-instances", a->max_instances, "Most instances at once (default 10)");
        cmd->add_option("--min-instances", a->min_instances, "Instances kept warm (default 0: scale to zero)");
        cmd->add_option("--idle-timeout", a->idle_timeout, "Stop an idle instance after (default 5m)")->check(duration_validator());
        cmd->add_option("--init-timeout", a->init_timeout, "Time allowed to start (default 10s)")->check(duration_validator());
        cmd->add_option("--concurrency", a->concurrency, "Invocations at once per instance (http kind)");
        cmd->add_option("--max-queued", a->max_queued, "Invocations that may wait for an instance before 429 (default 100)");
        cmd->add_option("--retries", a->retries, "Async retries (default 2)");
        cmd->add_option("--max-event-age", a->max_event_age, "Async: drop events older than this (default 6h)")->check(duration_validator());
        cmd->add_option("--on-success", a->on_success, "Async: queue:NAME for results");
        cmd->add_option("--on-failure", a->on_failure, "Async: queue:NAME for events that failed every retry");
        cmd->callback([options, a] { run_deploy(*options, *a); });
    }
    {
        auto a = std::make_shared<fn_args>();
        auto* cmd = add_named(*fn, "invoke", "Invoke a function and print its result (or queue it with --async)", a);
        cmd->add_option("PAYLOAD", a->payload, "The event as JSON (default {})");
        cmd->add_option("--file", a->payload_file, "Read the event from a file (- for stdin)");
        cmd->add_flag("--async", a->async, "Queue the invocation durably and print its id");
        cmd->callback([options, a] { run_invoke(*options, *a); });
    }
    {
        auto a = std::make_shared<fn_args>();
        auto* cmd = add_named(*fn, "logs", "Print a function's recent output", a);
        cmd->add_flag("-f,--follow", a->follow, "Keep printing new lines");
        cmd->add_option("--limit", a->limit, "Lines to show (default 100)");
        cmd->callback([options, a] { run_logs(*options, *a); });
    }
    {
        auto a = std::make_shared<fn_args>();
        auto* cmd = add_named(*fn, "stats", "Show a function's instances and metrics", a);
        cmd->callback([options, a] { run_get(*options, *a, true); });
    }
    {
        auto a = std::make_shared<fn_args>();
        auto* cmd = add_named(*fn, "get", "Show a function's settings and stats", a);
        cmd->callback([options, a] { run_get(*options, *a, false); });
    }
    {
        auto a = std::make_shared<fn_args>();
        auto* cmd = fn->add_subcommand("list", "List functions");
        cmd->add_flag("--json", a->json, "Print the server's JSON answer");
        cmd->callback([options, a] { run_list(*options, *a); });
    }
    // `fn bench` is an alias of `bench cold-start` + `bench invoke`, added by src/bench.
    {
        auto a = std::make_shared<fn_args>();
        auto* cmd = add_named(*fn, "delete", "Delete a function, its instances and code", a);
        cmd->callback([options, a] { run_delete(*options, *a); });
    }
}

} // namespace sluice::cli
