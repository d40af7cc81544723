#include "bench/queue_load.h"

#include "bench/bus_event.h"
#include "bench/message_body.h"
#include "bench/queue_client.h"
#include "base/units.h"

#include <fmt/format.h>
#include <sys/prctl.h>

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <functional>

namespace sluice::bench {
namespace {

/// One consumer's acks on a thread and connection of their own (load_plan::async_acks), the
/// way an SDK deletes in the background: the consumer hands over each full batch and receives
/// on. At most one batch is in flight; handing over the next waits for it, so receipts never
/// pile up beyond two batches.
class background_acker {
public:
    explicit background_acker(std::function<void(std::vector<std::string>&)> ack)
      : _ack(std::move(ack))
      , _thread([this] { run(); }) {}
    ~background_acker() {
        {
            std::lock_guard lock(_mutex);
            _stop = true;
        }
        _changed.notify_all();
        _thread.join();
    }
    background_acker(const background_acker&) = delete;
    background_acker& operator=(const background_acker&) = delete;

    /// Takes `receipts` (left empty) once the previous batch is acked.
    void hand_over(std::vector<std::string>& receipts) {
        std::unique_lock lock(_mutex);
        _changed.wait(lock, [&] { return !_busy; });
        _batch.swap(receipts);
        receipts.clear();
        _busy = true;
        _changed.notify_all();
    }
    void wait_idle() {
        std::unique_lock lock(_mutex);
        _changed.wait(lock, [&] { return !_busy; });
    }

private:
    void run() {
        prctl(PR_SET_NAME, "bench-acker", 0, 0, 0);
        std::unique_lock lock(_mutex);
        while (true) {
            _changed.wait(lock, [&] { return _busy || _stop; });
            if (!_busy) {
                return; // stopping with nothing left to ack
            }
            lock.unlock();
            _ack(_batch); // _batch is ours while _busy
            lock.lock();
            _batch.clear();
            _busy = false;
            _changed.notify_all();
        }
    }

    std::function<void(std::vector<std::string>&)> _ack;
    std::mutex _mutex;
    std::condition_variable _changed;
    std::vector<std::string> _batch;
    bool _busy = false;
    bool _stop = false;
    std::thread _thread; // last: starts once the members above exist
};

int64_t to_ns(steady::time_point t) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}
steady::time_point from_ns(int64_t ns) {
    return steady::time_point(std::chrono::duration_cast<steady::duration>(std::chrono::nanoseconds(ns)));
}

void store_max(std::atomic<int64_t>& a, int64_t v) {
    auto cur = a.load(std::memory_order_relaxed);
    while (v > cur && !a.compare_exchange_weak(cur, v, std::memory_order_relaxed)) {
    }
}

void store_min(std::atomic<int64_t>& a, int64_t v) {
    auto cur = a.load(std::memory_order_relaxed);
    while (v < cur && !a.compare_exchange_weak(cur, v, std::memory_order_relaxed)) {
    }
}

int64_t unix_ns(timestamp t) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

/// "g<index>" -> index; nullopt for anything else.
std::optional<uint64_t> group_index(std::string_view key) {
    if (key.size() < 2 || key.size() > 11 || key[0] != 'g') {
        return std::nullopt;
    }
    uint64_t v = 0;
    for (char c : key.substr(1)) {
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        v = v * 10 + uint64_t(c - '0');
    }
    return v;
}

/// Linux rounds sleeps up by the thread's timer slack (50 µs by default); a paced producer
/// wants to wake on time, since its lateness counts as latency.
void tighten_timer_slack() { ::prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0); }

std::chrono::milliseconds backoff(int attempt) {
    return std::chrono::milliseconds(std::min(1000, 5 << std::min(attempt, 8)));
}

constexpr int max_attempts = 50;

} // namespace

queue_load::queue_load(cli::client_options client, load_plan plan, const queue_load* publisher)
  : _client(std::move(client))
  , _plan(std::move(plan))
  , _publisher(publisher) {
    if (_publisher != nullptr) {
        _plan.producers = 0;
        _plan.count = _publisher->plan().count;
    }
    if (!_plan.bus.empty()) {
        _consume_resource = queue_resource(_plan.queue);
        _label = fmt::format("queue '{}'", _plan.queue);
    } else if (_plan.topic.empty()) {
        _publish_resource = _consume_resource = queue_resource(_plan.queue);
        _label = fmt::format("queue '{}'", _plan.queue);
    } else {
        _publish_resource = topic_resource(_plan.topic);
        _consume_resource = subscription_resource(_plan.topic, _plan.subscription);
        _label = _plan.subscription.empty()
                     ? fmt::format("topic '{}'", _plan.topic)
                     : fmt::format("subscription '{}' of topic '{}'", _plan.subscription, _plan.topic);
    }
    _plan.publish_batch = std::clamp<size_t>(_plan.publish_batch, 1, 1000);
    _plan.receive_batch = std::clamp<uint32_t>(_plan.receive_batch, 1, 1000);
    _plan.ack_batch = std::clamp<size_t>(_plan.ack_batch, 1, 1000);
    if (_plan.groups > 0) {
        _plan.producers = std::min<size_t>(_plan.producers, _plan.groups);
        _group_last = std::make_unique<std::atomic<uint64_t>[]>(_plan.groups);
        for (uint32_t g = 0; g < _plan.groups; ++g) {
            _group_last[g].store(0, std::memory_order_relaxed);
        }
    }
}

queue_load::~queue_load() {
    stop();
    join_producers();
    join_consumers();
}

void queue_load::start_producers() {
    _publish_start = steady::now();
    _producers_running = _plan.producers;
    if (_plan.producers == 0) {
        _producers_done = true;
    }
    for (size_t i = 0; i < _plan.producers; ++i) {
        _producer_threads.emplace_back([this, i] { produce(i); });
    }
}

void queue_load::start_consumers() {
    _consume_start = steady::now();
    for (size_t i = 0; i < _plan.consumers; ++i) {
        _consumer_threads.emplace_back([this, i] { consume(i); });
    }
}

void queue_load::join_producers() {
    for (auto& t : _producer_threads) {
        t.join();
    }
    _producer_threads.clear();
}

void queue_load::join_consumers() {
    for (auto& t : _consumer_threads) {
        t.join();
    }
    _consumer_threads.clear();
}

phase_timing queue_load::publish_timing() const {
    return {_publish_start, from_ns(_last_publish_ns.load())};
}

phase_timing queue_load::consume_timing() const {
    return {_consume_start, from_ns(_last_receive_ns.load())};
}

uint64_t queue_load::missing() const {
    if (_plan.consume_below > 0) {
        return _received_seqs.missing_below(_plan.consume_below);
    }
    return seen_set::count_difference(source()._published_seqs, _received_seqs);
}
uint64_t queue_load::unexpected() const {
    return seen_set::count_difference(_received_seqs, source()._published_seqs);
}

std::optional<int64_t> queue_load::min_lateness_ns() const {
    auto v = _min_lateness_ns.load();
    return v == INT64_MAX ? std::nullopt : std::optional<int64_t>(v);
}

std::string queue_load::first_error() const {
    std::lock_guard lock(_mutex);
    return _error;
}

void queue_load::note_error(const std::string& what) {
    {
        std::lock_guard lock(_mutex);
        if (_error.empty()) {
            _error = what;
        }
    }
    _stop = true;
}

void queue_load::produce(size_t index) {
    tighten_timer_slack();
    queue_client client(_client);
    latency_histogram publish_latency;
    latency_histogram lag;
    const size_t batch = _plan.publish_batch;
    const bool paced = _plan.rate > 0;
    const double period_ns = paced ? 1e9 / _plan.rate : 0.0;
    const auto start = _publish_start;
    const bool timed = _plan.count == 0;
    const auto deadline = start + std::chrono::duration_cast<steady::duration>(_plan.duration);
    auto due = [&](uint64_t seq) {
        return start + std::chrono::nanoseconds(std::llround(double(seq) * period_ns));
    };
    const bool to_bus = !_plan.bus.empty();
    std::vector<int64_t> intended(batch);
    std::string body;
    body.reserve(batch * (_plan.message_size + 64) + 32);
    // FIFO: this producer's groups are index, index + P, index + 2P, … below _plan.groups.
    const uint64_t stride = _plan.producers;
    const uint64_t own_groups =
        _plan.groups > index ? (_plan.groups - index + stride - 1) / stride : 0;
    uint64_t local = 0;

    while (!_stop) {
        uint64_t first = _next_seq.fetch_add(batch);
        size_t n = batch;
        if (!timed) {
            if (first >= _plan.count) {
                break;
            }
            n = static_cast<size_t>(std::min<uint64_t>(batch, _plan.count - first));
        }
        if (paced) {
            if (timed && due(first) >= deadline) {
                break;
            }
            std::this_thread::sleep_until(due(first + n - 1));
        } else if (timed && steady::now() >= deadline) {
            break;
        }
        const auto build_time = steady::now();
        body.clear();
        if (to_bus) {
            if (n > 1) {
                body += '[';
            }
            for (size_t i = 0; i < n; ++i) {
                const uint64_t seq = first + i;
                intended[i] = paced ? to_ns(due(seq)) : to_ns(build_time);
                if (i > 0) {
                    body += ',';
                }
                append_bus_event(body, {seq, static_cast<uint64_t>(intended[i])}, _plan.message_size);
            }
            if (n > 1) {
                body += ']';
            }
        } else {
            body += R"({"messages":[)";
            for (size_t i = 0; i < n; ++i) {
                const uint64_t seq = first + i;
                intended[i] = paced ? to_ns(due(seq)) : to_ns(build_time);
                std::optional<timestamp> deliver_at;
                auto stamp = static_cast<uint64_t>(intended[i]);
                if (_plan.schedule) {
                    deliver_at = _plan.schedule->due(seq, _plan.count);
                    stamp = static_cast<uint64_t>(unix_ns(*deliver_at));
                }
                if (i > 0) {
                    body += ',';
                }
                body += R"({"body":")";
                append_body(body, {seq, stamp}, _plan.message_size);
                body += '"';
                if (deliver_at) {
                    body += R"(,"deliver_at":")";
                    body += format_rfc3339(*deliver_at);
                    body += '"';
                }
                if (own_groups > 0) {
                    body += R"(,"group":"g)";
                    body += std::to_string(index + stride * (local++ % own_groups));
                    body += '"';
                }
                body += '}';
            }
            body += "]}";
        }

        const auto send_time = steady::now();
        bool ok = false;
        for (int attempt = 0; !_stop; ++attempt) {
            auto st = to_bus ? client.post_events(_plan.bus, body, n,
                                                  n > 1 ? "application/cloudevents-batch+json"
                                                        : "application/cloudevents+json")
                             : client.publish_batch(_publish_resource, body, n);
            _counters.publish_requests.fetch_add(1, std::memory_order_relaxed);
            if (st.ok) {
                ok = true;
                break;
            }
            if (!st.retry || attempt + 1 >= max_attempts) {
                note_error(fmt::format("publish to {} failed: {}",
                                       to_bus                ? fmt::format("bus '{}'", _plan.bus)
                                       : _plan.topic.empty() ? _label
                                                             : fmt::format("topic '{}'", _plan.topic),
                                       st.error));
                break;
            }
            _counters.publish_retries.fetch_add(1, std::memory_order_relaxed);
            std::this_thread::sleep_for(backoff(attempt));
        }
        const auto done = steady::now();
        if (!ok) {
            _counters.publish_failures.fetch_add(n, std::memory_order_relaxed);
            break;
        }
        const auto done_ns = to_ns(done);
        const auto send_ns = to_ns(send_time);
        for (size_t i = 0; i < n; ++i) {
            publish_latency.record(static_cast<uint64_t>(std::max<int64_t>(0, done_ns - intended[i])));
            if (paced) {
                lag.record(static_cast<uint64_t>(std::max<int64_t>(0, send_ns - intended[i])));
            }
            _published_seqs.mark(first + i);
        }
        _counters.published.fetch_add(n, std::memory_order_relaxed);
        store_max(_last_publish_ns, done_ns);
    }
    {
        std::lock_guard lock(_mutex);
        _publish_latency.merge(publish_latency);
        _send_lag.merge(lag);
    }
    if (_producers_running.fetch_sub(1) == 1) {
        _producers_done = true;
    }
}

bool queue_load::consumers_should_stop(
    steady::time_point& last_progress, uint64_t& last_received) const {
    auto now = steady::now();
    auto received = _counters.received.load();
    const auto& from = source();
    const bool producers_done = from._producers_done;
    // A delayed run has nothing to receive before the last message (it waits for) is due.
    const uint64_t last = _plan.consume_below > 0 ? std::min(_plan.consume_below, _plan.count) : _plan.count;
    bool before_last_due = _plan.schedule && last > 0
                           && std::chrono::system_clock::now() < _plan.schedule->due(last - 1, _plan.count);
    if (received != last_received || !producers_done || before_last_due) {
        last_received = received;
        last_progress = now;
    }
    if (_stop) {
        return true;
    }
    if (!producers_done) {
        return false;
    }
    if (_plan.consume_below > 0) {
        if (received - _counters.beyond.load() >= last) {
            return true;
        }
    } else if (received >= from._counters.published.load()) {
        return true;
    }
    return now - last_progress > _plan.drain_timeout;
}

void queue_load::check_group_order(std::string_view group, uint64_t seq) {
    auto g = group_index(group);
    if (!g || *g >= _plan.groups) {
        _counters.order_violations.fetch_add(1, std::memory_order_relaxed);
        note_error(fmt::format("a message in {} came with group '{}', not one of ours", _label, group));
        return;
    }
    // One message of a group is in flight at a time, so this group's entries never race.
    auto before = _group_last[*g].exchange(seq + 1, std::memory_order_relaxed);
    if (before > seq + 1) {
        _counters.order_violations.fetch_add(1, std::memory_order_relaxed);
    }
}

void queue_load::consume(size_t /*index*/) {
    queue_client client(_client);
    latency_histogram e2e;
    std::vector<received_message> messages;
    std::vector<std::string> pending;
    pending.reserve(_plan.ack_batch + _plan.receive_batch);
    auto last_progress = steady::now();
    uint64_t last_received = 0;
    int errors_in_row = 0;
    const bool from_bus = !_plan.bus.empty();

    // With async_acks, a second connection acks each full batch while this one receives on.
    std::optional<queue_client> acker_client;
    std::optional<background_acker> acker;
    if (_plan.async_acks) {
        acker_client.emplace(_client);
        acker.emplace([this, &acker_client](std::vector<std::string>& receipts) {
            ack_all(*acker_client, receipts);
        });
    }
    auto flush = [&] {
        if (pending.empty()) {
            return;
        }
        if (acker) {
            acker->hand_over(pending);
        } else {
            ack_all(client, pending);
            pending.clear();
        }
    };

    while (!consumers_should_stop(last_progress, last_received)) {
        auto st = client.receive(_consume_resource, _plan.receive_batch, _plan.receive_wait, messages);
        _counters.receive_requests.fetch_add(1, std::memory_order_relaxed);
        if (!st.ok) {
            _counters.consume_errors.fetch_add(1, std::memory_order_relaxed);
            if (!st.retry || ++errors_in_row >= max_attempts) {
                note_error(fmt::format("receive from {} failed: {}", _label, st.error));
                break;
            }
            std::this_thread::sleep_for(backoff(errors_in_row));
            continue;
        }
        errors_in_row = 0;
        if (messages.empty()) {
            _counters.empty_receives.fetch_add(1, std::memory_order_relaxed);
            flush();
            continue;
        }
        const auto now_ns = to_ns(steady::now());
        const auto wall_ns = _plan.schedule ? unix_ns(std::chrono::system_clock::now()) : 0;
        uint64_t first_time = 0;
        for (auto& m : messages) {
            if (m.delivery_count > 1) {
                _counters.redelivered.fetch_add(1, std::memory_order_relaxed);
            }
            // From a bus, the body is the whole event, with the stamp in its data.
            auto stamp = from_bus ? find_stamp(m.body) : parse_body(m.body);
            if (!stamp) {
                _counters.foreign.fetch_add(1, std::memory_order_relaxed);
            } else if (_received_seqs.mark(stamp->seq)) {
                ++first_time;
                if (_plan.consume_below > 0 && stamp->seq >= _plan.consume_below) {
                    // Beyond the measured span: only never-early is checked.
                    _counters.beyond.fetch_add(1, std::memory_order_relaxed);
                    auto since = wall_ns - static_cast<int64_t>(stamp->intended_ns);
                    store_min(_min_lateness_ns, since);
                    if (since < -std::chrono::nanoseconds(early_tolerance).count()) {
                        _counters.early.fetch_add(1, std::memory_order_relaxed);
                    }
                    pending.push_back(std::move(m.receipt));
                    continue;
                }
                // Delayed: lateness after deliver_at (wall clock); else since the intended send.
                auto since = (_plan.schedule ? wall_ns : now_ns)
                             - static_cast<int64_t>(stamp->intended_ns);
                e2e.record(static_cast<uint64_t>(std::max<int64_t>(0, since)));
                if (_plan.schedule) {
                    store_min(_min_lateness_ns, since);
                    if (since < -std::chrono::nanoseconds(early_tolerance).count()) {
                        _counters.early.fetch_add(1, std::memory_order_relaxed);
                    }
                }
                if (_plan.groups > 0) {
                    check_group_order(m.group, stamp->seq);
                }
            } else {
                _counters.duplicates.fetch_add(1, std::memory_order_relaxed);
            }
            pending.push_back(std::move(m.receipt));
        }
        _counters.received.fetch_add(first_time, std::memory_order_relaxed);
        store_max(_last_receive_ns, now_ns);
        if (pending.size() >= _plan.ack_batch) {
            flush();
        }
    }
    flush();
    acker.reset(); // waits for the last batch
    std::lock_guard lock(_mutex);
    _e2e_latency.merge(e2e);
}

void queue_load::ack_all(queue_client& client, const std::vector<std::string>& receipts) {
    for (int attempt = 0;; ++attempt) {
        size_t acked = 0;
        auto st = client.ack(_consume_resource, receipts, acked);
        _counters.acked.fetch_add(acked, std::memory_order_relaxed);
        if (st.ok) {
            return;
        }
        if (st.retry && acked == 0 && attempt + 1 < max_attempts && !_stop) {
            std::this_thread::sleep_for(backoff(attempt));
            continue;
        }
        _counters.ack_failures.fetch_add(receipts.size() - acked, std::memory_order_relaxed);
        note_error(fmt::format("ack on {} failed: {}", _label, st.error));
        return;
    }
}

} // namespace sluice::bench
