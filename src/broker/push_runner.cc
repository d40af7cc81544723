#include "broker/push_runner.h"

#include "base/log.h"
#include "broker/errc.h"
#include "push/endpoint.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace sluice::broker {

push_runner::push_runner(
    std::shared_ptr<subscription> sub, push_config config, identity id, millis backoff_base,
    millis backoff_max, const sluice::clock& clock, broker_probe& probe)
  : _sub(std::move(sub))
  , _config(std::move(config))
  , _id(std::move(id))
  , _clock(clock)
  , _probe(probe)
  , _rng(std::random_device{}()) {
    _policy.base_backoff = backoff_base.count() > 0 ? backoff_base : millis(1'000);
    _policy.max_backoff = std::max(backoff_max, _policy.base_backoff);
    _policy.max_attempts = UINT32_MAX; // the subscription's max_deliveries decides
}

void push_runner::start(asio::any_io_executor ex) {
    auto target = push::parse_endpoint(_config.url);
    if (!target) {
        make_logger("push")->error(
            "{}/{}: push URL refused: {}", _id.topic, _id.subscription, target.error().message);
        return;
    }
    push::client_options o;
    o.max_connections = _config.concurrency;
    o.timeout = _config.timeout;
    _client.emplace(ex, *target, o);
    _slot.emplace(ex);
    asio::co_spawn(ex, [self = shared_from_this()] { return self->run(); }, asio::detached);
}

void push_runner::stop() {
    _stopped = true;
    if (_client) {
        _client->close();
    }
    if (_slot) {
        _slot->cancel();
    }
}

void push_runner::slot_freed() {
    --_in_flight;
    _slot->cancel();
}

asio::awaitable<void> push_runner::run() {
    auto self = shared_from_this();
    while (!_stopped) {
        if (_in_flight >= _config.concurrency) {
            _slot->expires_after(std::chrono::seconds(30));
            co_await _slot->async_wait(asio::as_tuple(asio::use_awaitable));
            continue;
        }
        receive_options o;
        o.max_messages = std::min<uint32_t>(_config.concurrency - _in_flight, 100);
        o.wait = millis(5'000);
        // The lease outlives the attempt: a message is not redelivered while its POST runs.
        o.visibility_timeout = _config.timeout + millis(30'000);
        auto got = co_await _sub->receive(o);
        if (!got && got.error() == errc::too_many_in_flight) {
            // Pull consumers of the same subscription hold its in-flight limit: look again
            // once some of their leases may have ended.
            _slot->expires_after(std::chrono::seconds(1));
            co_await _slot->async_wait(asio::as_tuple(asio::use_awaitable));
            continue;
        }
        if (!got) {
            break; // the subscription was closed (deleted, shutting down)
        }
        if (_stopped) {
            for (auto& d : *got) {
                (void)_sub->change_visibility(d.receipt, millis(0));
            }
            break;
        }
        auto ex = co_await asio::this_coro::executor;
        for (auto& d : *got) {
            ++_in_flight;
            // Shared, not by value: GCC 12 destroys class-type coroutine arguments passed
            // through a lambda twice.
            asio::co_spawn(ex, deliver(std::make_shared<delivery>(std::move(d))), asio::detached);
        }
    }
}

asio::awaitable<void> push_runner::deliver(std::shared_ptr<delivery> shared) {
    auto self = shared_from_this();
    const delivery& d = *shared;
    push::message_view view{
        d.message.id,    d.message.body, d.message.attributes, d.message.publish_time, _id.topic,
        _id.subscription, _id.partition,  d.offset,             d.delivery_count,       d.message.group};
    auto request = push::format_request(
        view, {_config.cloudevents ? push::format_mode::cloudevents_binary : push::format_mode::json,
               _config.secret, _clock.now()});
    auto result = co_await _client->post(request);
    if (result.ok()) {
        broker_probe::add(_probe.pushed);
        std::string receipt = d.receipt;
        auto acked = co_await _sub->ack(std::move(receipt));
        (void)acked; // stale: it was redelivered meanwhile, fine
    } else {
        broker_probe::add(_probe.push_failed);
        if (!_stopped) {
            auto wait = _policy.delay(d.delivery_count, _rng, result.retry_after);
            (void)_sub->change_visibility(d.receipt, wait);
            make_logger("push")->debug(
                "{}/{} message {} attempt {} failed ({}); next try in {} ms", _id.topic,
                _id.subscription, d.message.id, d.delivery_count, result.describe(), wait.count());
        }
    }
    slot_freed();
}

} // namespace sluice::broker
