// Dead-letter redrive: POST /v1/queues/{name}/redrive, and the task resource /v1/tasks.
#include "api/handlers.h"
#include "api/request_parsing.h"
#include "base/units.h"
#include "http/error_table.h"
#include "json/object_reader.h"
#include "model/names.h"

#include <boost/json/serialize.hpp>
#include <fmt/format.h>

namespace sluice::api {
namespace {

boost::json::object task_json(const broker::redrive_task& t) {
    boost::json::object o;
    o["id"] = t.id;
    o["kind"] = "redrive";
    o["source"] = t.source;
    if (t.destination.empty()) {
        o["destination"] = nullptr;
    } else {
        o["destination"] = t.destination;
    }
    if (t.rate == static_cast<double>(static_cast<int64_t>(t.rate))) {
        o["rate"] = static_cast<int64_t>(t.rate); // 10, not 1E1
    } else {
        o["rate"] = t.rate;
    }
    o["state"] = t.state;
    o["moved"] = t.moved;
    o["failed"] = t.failed;
    if (!t.last_error.empty()) {
        o["last_error"] = t.last_error;
    }
    o["created_at"] = format_rfc3339(t.created_at);
    o["updated_at"] = format_rfc3339(t.updated_at);
    return o;
}

std::string_view task_id_param(const http::request_context& ctx) { return ctx.param("id"); }

} // namespace

asio::awaitable<http::response> start_redrive(services& s, http::request_context& ctx) {
    auto request = named_json_request(ctx, true);
    if (auto* e = std::get_if<http::api_error>(&request)) {
        co_return ctx.error(*e);
    }
    auto& [name, body] = std::get<named_request>(request);
    json::object_reader r(body);
    std::string destination(r.string("destination", 128).value_or(""));
    double rate = 0;
    if (auto* v = r.any("rate")) {
        if (!v->is_number() || v->to_number<double>() < 0 || v->to_number<double>() > 1e6) {
            r.fail("'rate' must be a number of messages per second in 0..1000000 (0: unlimited)");
        } else {
            rate = v->to_number<double>();
        }
    }
    r.reject_unknown();
    if (!r.ok()) {
        co_return ctx.error(http::bad_request(r.error()));
    }
    if (!destination.empty() && !model::is_valid_name(destination)) {
        co_return ctx.error(http::invalid_name(fmt::format("invalid destination queue name '{}'", destination)));
    }
    auto t = co_await s.redrive->create(name, destination, rate);
    if (!t) {
        co_return ctx.error(http::to_api_error(
            t.error(), fmt::format("redrive from '{}' to '{}'", name,
                                   destination.empty() ? "each message's source" : destination)));
    }
    co_return ctx.json(201, boost::json::serialize(task_json(*t)));
}

asio::awaitable<http::response> list_tasks(services& s, http::request_context& ctx) {
    boost::json::array arr;
    for (auto& t : s.redrive->list()) {
        arr.push_back(task_json(t));
    }
    boost::json::object o;
    o["tasks"] = std::move(arr);
    co_return ctx.json(200, boost::json::serialize(o));
}

asio::awaitable<http::response> get_task(services& s, http::request_context& ctx) {
    auto t = s.redrive->get(std::string(task_id_param(ctx)));
    if (!t) {
        co_return ctx.error(http::to_api_error(t.error(), fmt::format("task '{}'", task_id_param(ctx))));
    }
    co_return ctx.json(200, boost::json::serialize(task_json(*t)));
}

asio::awaitable<http::response> cancel_task(services& s, http::request_context& ctx) {
    auto t = co_await s.redrive->cancel(std::string(task_id_param(ctx)));
    if (!t) {
        co_return ctx.error(http::to_api_error(t.error(), fmt::format("task '{}'", task_id_param(ctx))));
    }
    co_return ctx.json(200, boost::json::serialize(task_json(*t)));
}

} // namespace sluice::api
