// /healthz and /metrics.
#include "api/handlers.h"

#include <fmt/format.h>

namespace sluice::api {

asio::awaitable<http::response> healthz(services& s, http::request_context& ctx) {
    co_return ctx.json(200, R"({"status":"ok"})");
}

namespace {
/// Prometheus label values escape backslash, quote and newline; names here are already safe.
std::string label(std::string_view v) { return std::string(v); }
} // namespace

asio::awaitable<http::response> metrics(services& s, http::request_context& ctx) {
    std::string out = s.http_probe.render();
    auto& p = s.queues.probe();
    auto counter = [&](const char* name, const char* help, uint64_t v) {
        out += fmt::format("# HELP {} {}\n# TYPE {} counter\n{} {}\n", name, help, name, name, v);
    };
    counter("sluice_messages_published_total", "Messages durably published.", p.published.load());
    counter("sluice_messages_delivered_total", "Deliveries to consumers (incl. redeliveries).", p.delivered.load());
    counter("sluice_messages_redelivered_total", "Deliveries after the first.", p.redelivered.load());
    counter("sluice_messages_acked_total", "Messages acknowledged (deleted).", p.acked.load());
    counter("sluice_messages_expired_total", "Messages removed by retention.", p.expired_by_retention.load());
    counter("sluice_messages_dead_lettered_total", "Messages moved to a dead-letter queue.", p.dead_lettered.load());
    counter("sluice_push_delivered_total", "Push deliveries answered 2xx.", p.pushed.load());
    counter("sluice_push_failed_total", "Push attempts that failed (non-2xx, timeout, connection error).", p.push_failed.load());
    counter("sluice_messages_filtered_total", "Messages a subscription filter skipped (counted as acknowledged).", p.filtered.load());
    counter("sluice_messages_redriven_total", "Messages moved back out of a dead-letter queue.", p.redriven.load());
    counter("sluice_receive_over_limit_total", "Receives refused at the in-flight limit (--max-in-flight): 429 OverLimit.", p.over_limit.load());
    auto queues = co_await s.queues.list();
    out += "# HELP sluice_queue_visible Messages ready to be received.\n# TYPE sluice_queue_visible gauge\n";
    for (auto& q : queues) {
        out += fmt::format("sluice_queue_visible{{queue=\"{}\"}} {}\n", label(q.definition.name), q.stats.visible);
    }
    out += "# HELP sluice_queue_in_flight Messages received and not yet acked.\n# TYPE sluice_queue_in_flight gauge\n";
    for (auto& q : queues) {
        out += fmt::format("sluice_queue_in_flight{{queue=\"{}\"}} {}\n", label(q.definition.name), q.stats.in_flight);
    }
    out += "# HELP sluice_queue_delayed Messages scheduled for later.\n# TYPE sluice_queue_delayed gauge\n";
    for (auto& q : queues) {
        out += fmt::format("sluice_queue_delayed{{queue=\"{}\"}} {}\n", label(q.definition.name), q.stats.delayed);
    }
    out += "# HELP sluice_queue_oldest_age_seconds Age of the oldest unacked message.\n# TYPE sluice_queue_oldest_age_seconds gauge\n";
    for (auto& q : queues) {
        out += fmt::format(
            "sluice_queue_oldest_age_seconds{{queue=\"{}\"}} {:.3f}\n", label(q.definition.name),
            double(q.stats.oldest_age.count()) / 1000.0);
    }
    if (s.functions) {
        out += s.functions->render_metrics();
    }
    auto st = s.engine.stats();
    counter("sluice_storage_commits_total", "Storage commits.", st.commits);
    counter("sluice_storage_write_groups_total", "Physical storage writes (group commits).", st.write_groups);
    counter("sluice_storage_bytes_written_total", "Bytes committed to storage.", st.bytes_written);
    counter("sluice_storage_inline_commits_total", "Small commits written on the request's thread (no fsync, writer idle).", st.inline_commits);
    counter("sluice_storage_reclaims_total", "Background reclaims of the disk held by erased messages (a drained queue gone idle, a deleted queue or topic).", st.reclaims);
    out += fmt::format("# TYPE sluice_storage_disk_bytes gauge\nsluice_storage_disk_bytes {}\n", st.disk_bytes);
    out += fmt::format(
        "# HELP sluice_storage_memtable_bytes Memory held by the storage engine's memtables (active, flushing, pinned by reads).\n"
        "# TYPE sluice_storage_memtable_bytes gauge\nsluice_storage_memtable_bytes {}\n",
        st.memtable_bytes);
    out += fmt::format(
        "# HELP sluice_storage_block_cache_bytes Memory the storage engine's block cache holds now.\n"
        "# TYPE sluice_storage_block_cache_bytes gauge\nsluice_storage_block_cache_bytes {}\n",
        st.block_cache_bytes);
    co_return ctx.text(200, std::move(out), "text/plain; version=0.0.4");
}

} // namespace sluice::api
