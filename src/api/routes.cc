#include "api/routes.h"

#include "api/debug.h"
#include "api/handlers.h"

namespace sluice::api {

void register_routes(http::router& r, services& s) {
    using boost::beast::http::verb;
    using fn = asio::awaitable<http::response> (*)(services&, http::request_context&);
    auto add = [&](verb v, std::string pattern, fn f) {
        r.add(v, std::move(pattern), [&s, f](http::request_context& ctx) { return f(s, ctx); });
    };
    add(verb::get, "/healthz", healthz);
    add(verb::get, "/metrics", metrics);
    add(verb::post, "/v1/queues", create_queue);
    add(verb::get, "/v1/queues", list_queues);
    add(verb::get, "/v1/queues/{name}", get_queue);
    add(verb::put, "/v1/queues/{name}", put_queue);
    add(verb::delete_, "/v1/queues/{name}", delete_queue);
    add(verb::post, "/v1/queues/{name}/messages", publish_message);
    add(verb::post, "/v1/queues/{name}/messages/batch", publish_batch);
    add(verb::post, "/v1/queues/{name}/receive", receive_messages);
    add(verb::post, "/v1/queues/{name}/ack", ack_messages);
    add(verb::post, "/v1/queues/{name}/visibility", change_visibility);
    // Topics (docs/topics.md).
    add(verb::post, "/v1/topics", create_topic);
    add(verb::get, "/v1/topics", list_topics);
    add(verb::get, "/v1/topics/{name}", get_topic);
    add(verb::put, "/v1/topics/{name}", put_topic);
    add(verb::delete_, "/v1/topics/{name}", delete_topic);
    add(verb::post, "/v1/topics/{name}/messages", publish_topic_message);
    add(verb::post, "/v1/topics/{name}/messages/batch", publish_topic_batch);
    add(verb::post, "/v1/topics/{name}/subscriptions", create_subscription);
    add(verb::get, "/v1/topics/{name}/subscriptions", list_subscriptions);
    add(verb::get, "/v1/topics/{name}/subscriptions/{sub}", get_subscription);
    add(verb::put, "/v1/topics/{name}/subscriptions/{sub}", put_subscription);
    add(verb::delete_, "/v1/topics/{name}/subscriptions/{sub}", delete_subscription);
    add(verb::post, "/v1/topics/{name}/subscriptions/{sub}/receive", receive_from_subscription);
    add(verb::post, "/v1/topics/{name}/subscriptions/{sub}/ack", ack_subscription);
    add(verb::post, "/v1/topics/{name}/subscriptions/{sub}/visibility", subscription_visibility);
    add(verb::post, "/v1/topics/{name}/subscriptions/{sub}/seek", seek_subscription);
    // Event buses (docs/event-bus.md).
    add(verb::post, "/v1/buses", create_bus);
    add(verb::get, "/v1/buses", list_buses);
    add(verb::get, "/v1/buses/{bus}", get_bus);
    add(verb::put, "/v1/buses/{bus}", put_bus);
    add(verb::delete_, "/v1/buses/{bus}", delete_bus);
    add(verb::post, "/v1/buses/{bus}/events", put_events);
    add(verb::post, "/v1/buses/{bus}/rules", create_rule);
    add(verb::get, "/v1/buses/{bus}/rules", list_rules);
    add(verb::get, "/v1/buses/{bus}/rules/{rule}", get_rule);
    add(verb::put, "/v1/buses/{bus}/rules/{rule}", put_rule);
    add(verb::delete_, "/v1/buses/{bus}/rules/{rule}", delete_rule);
    add(verb::post, "/v1/buses/{bus}/replays", start_replay);
    add(verb::get, "/v1/buses/{bus}/replays", list_replays);
    add(verb::get, "/v1/replays/{id}", get_replay);
    add(verb::delete_, "/v1/replays/{id}", cancel_replay);
    add(verb::post, "/v1/test-pattern", test_pattern);
    add(verb::post, "/v1/schedules", create_schedule);
    add(verb::get, "/v1/schedules", list_schedules);
    add(verb::get, "/v1/schedules/{name}", get_schedule);
    add(verb::put, "/v1/schedules/{name}", put_schedule);
    add(verb::delete_, "/v1/schedules/{name}", delete_schedule);

    // Triggers (docs/triggers.md).
    add(verb::post, "/v1/triggers", create_trigger);
    add(verb::get, "/v1/triggers", list_triggers);
    add(verb::get, "/v1/triggers/{name}", get_trigger);
    add(verb::put, "/v1/triggers/{name}", put_trigger);
    add(verb::delete_, "/v1/triggers/{name}", delete_trigger);
    // Functions (docs/functions.md).
    add(verb::post, "/v1/functions", create_function);
    add(verb::get, "/v1/functions", list_functions);
    add(verb::get, "/v1/functions/{name}", get_function);
    add(verb::put, "/v1/functions/{name}", put_function);
    add(verb::delete_, "/v1/functions/{name}", delete_function);
    add(verb::post, "/v1/functions/{name}/invoke", invoke_function);
    add(verb::get, "/v1/functions/{name}/logs", function_logs);
    add(verb::post, "/v1/queues/{name}/visibility/batch", change_visibility_batch);
    add(verb::post, "/v1/queues/{name}/purge", purge_queue);
    add(verb::delete_, "/v1/queues/{name}/messages/{id}", cancel_message);
    add(verb::get, "/v1/queues/{name}/dead-letter-sources", dead_letter_sources);
    add(verb::post, "/v1/queues/{name}/redrive", start_redrive);
    add(verb::get, "/v1/tasks", list_tasks);
    add(verb::get, "/v1/tasks/{id}", get_task);
    add(verb::delete_, "/v1/tasks/{id}", cancel_task);
    register_debug_routes(r, s); // test-only /debug/faults; 404 unless SLUICE_TEST_FAULTS=1
}

} // namespace sluice::api
