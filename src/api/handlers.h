#pragma once

#include "api/services.h"
#include "http/request_context.h"

namespace sluice::api {

// One coroutine per endpoint; each takes the context by reference (awaited at once by the
// router). Files: queues.cc (resource), queue_messages.cc (publish/receive/ack), system.cc.

asio::awaitable<http::response> create_queue(services& s, http::request_context& ctx);
asio::awaitable<http::response> put_queue(services& s, http::request_context& ctx);
asio::awaitable<http::response> get_queue(services& s, http::request_context& ctx);
asio::awaitable<http::response> list_queues(services& s, http::request_context& ctx);
asio::awaitable<http::response> delete_queue(services& s, http::request_context& ctx);
asio::awaitable<http::response> purge_queue(services& s, http::request_context& ctx);
asio::awaitable<http::response> dead_letter_sources(services& s, http::request_context& ctx);
asio::awaitable<http::response> cancel_message(services& s, http::request_context& ctx);
asio::awaitable<http::response> change_visibility_batch(services& s, http::request_context& ctx);
asio::awaitable<http::response> start_redrive(services& s, http::request_context& ctx);
asio::awaitable<http::response> list_tasks(services& s, http::request_context& ctx);
asio::awaitable<http::response> get_task(services& s, http::request_context& ctx);
asio::awaitable<http::response> cancel_task(services& s, http::request_context& ctx);

asio::awaitable<http::response> publish_message(services& s, http::request_context& ctx);
asio::awaitable<http::response> publish_batch(services& s, http::request_context& ctx);
asio::awaitable<http::response> receive_messages(services& s, http::request_context& ctx);
asio::awaitable<http::response> ack_messages(services& s, http::request_context& ctx);
asio::awaitable<http::response> change_visibility(services& s, http::request_context& ctx);

// topics.cc and topic_messages.cc: topics, subscriptions and their messages (docs/topics.md).
asio::awaitable<http::response> create_topic(services& s, http::request_context& ctx);
asio::awaitable<http::response> put_topic(services& s, http::request_context& ctx);
asio::awaitable<http::response> get_topic(services& s, http::request_context& ctx);
asio::awaitable<http::response> list_topics(services& s, http::request_context& ctx);
asio::awaitable<http::response> delete_topic(services& s, http::request_context& ctx);
asio::awaitable<http::response> create_subscription(services& s, http::request_context& ctx);
asio::awaitable<http::response> put_subscription(services& s, http::request_context& ctx);
asio::awaitable<http::response> get_subscription(services& s, http::request_context& ctx);
asio::awaitable<http::response> list_subscriptions(services& s, http::request_context& ctx);
asio::awaitable<http::response> delete_subscription(services& s, http::request_context& ctx);
asio::awaitable<http::response> publish_topic_message(services& s, http::request_context& ctx);
asio::awaitable<http::response> publish_topic_batch(services& s, http::request_context& ctx);
asio::awaitable<http::response> receive_from_subscription(services& s, http::request_context& ctx);
asio::awaitable<http::response> ack_subscription(services& s, http::request_context& ctx);
asio::awaitable<http::response> subscription_visibility(services& s, http::request_context& ctx);
asio::awaitable<http::response> seek_subscription(services& s, http::request_context& ctx);

// buses.cc: event buses, events, rules, replays, test-pattern (docs/event-bus.md).
asio::awaitable<http::response> create_bus(services& s, http::request_context& ctx);
asio::awaitable<http::response> put_bus(services& s, http::request_context& ctx);
asio::awaitable<http::response> get_bus(services& s, http::request_context& ctx);
asio::awaitable<http::response> list_buses(services& s, http::request_context& ctx);
asio::awaitable<http::response> delete_bus(services& s, http::request_context& ctx);
asio::awaitable<http::response> put_events(services& s, http::request_context& ctx);
asio::awaitable<http::response> create_rule(services& s, http::request_context& ctx);
asio::awaitable<http::response> put_rule(services& s, http::request_context& ctx);
asio::awaitable<http::response> get_rule(services& s, http::request_context& ctx);
asio::awaitable<http::response> list_rules(services& s, http::request_context& ctx);
asio::awaitable<http::response> delete_rule(services& s, http::request_context& ctx);
asio::awaitable<http::response> test_pattern(services& s, http::request_context& ctx);
asio::awaitable<http::response> start_replay(services& s, http::request_context& ctx);
asio::awaitable<http::response> list_replays(services& s, http::request_context& ctx);
asio::awaitable<http::response> get_replay(services& s, http::request_context& ctx);
asio::awaitable<http::response> cancel_replay(services& s, http::request_context& ctx);
asio::awaitable<http::response> create_schedule(services& s, http::request_context& ctx);
asio::awaitable<http::response> put_schedule(services& s, http::request_context& ctx);
asio::awaitable<http::response> get_schedule(services& s, http::request_context& ctx);
asio::awaitable<http::response> list_schedules(services& s, http::request_context& ctx);
asio::awaitable<http::response> delete_schedule(services& s, http::request_context& ctx);

// triggers.cc: triggers (docs/triggers.md).
asio::awaitable<http::response> create_trigger(services& s, http::request_context& ctx);
asio::awaitable<http::response> put_trigger(services& s, http::request_context& ctx);
asio::awaitable<http::response> get_trigger(services& s, http::request_context& ctx);
asio::awaitable<http::response> list_triggers(services& s, http::request_context& ctx);
asio::awaitable<http::response> delete_trigger(services& s, http::request_context& ctx);

// functions.cc: the function resource, invocation and logs (docs/functions.md).
asio::awaitable<http::response> create_function(services& s, http::request_context& ctx);
asio::awaitable<http::response> put_function(services& s, http::request_context& ctx);
asio::awaitable<http::response> get_function(services& s, http::request_context& ctx);
asio::awaitable<http::response> list_functions(services& s, http::request_context& ctx);
asio::awaitable<http::response> delete_function(services& s, http::request_context& ctx);
asio::awaitable<http::response> invoke_function(services& s, http::request_context& ctx);
asio::awaitable<http::response> function_logs(services& s, http::request_context& ctx);

asio::awaitable<http::response> healthz(services& s, http::request_context& ctx);
asio::awaitable<http::response> metrics(services& s, http::request_context& ctx);

} // namespace sluice::api
