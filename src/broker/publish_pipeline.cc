#include "broker/publish_pipeline.h"

#include "broker/errc.h"
#include "broker/queue_config.h"
#include "model/message_id.h"
#include "storage/errc.h"

#include <openssl/sha.h>

namespace sluice::broker {
namespace {

std::string body_hash(std::string_view body) {
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(body.data()), body.size(), digest);
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    for (unsigned char b : digest) {
        out.push_back(hex[b >> 4]);
        out.push_back(hex[b & 15]);
    }
    return out;
}

} // namespace

asio::awaitable<publish_outcome> publish_to_log(
    partition_log& log, const publish_rules& rules, std::vector<publish_entry> entries, timestamp now) {
    publish_outcome out;
    if (log.over_write_budget()) {
        out.results.assign(entries.size(), result<publish_result>(storage::errc::busy));
        co_return out;
    }
    out.results.assign(entries.size(), result<publish_result>(publish_result{}));
    auto& results = out.results;
    std::vector<model::message> ready, scheduled;
    std::vector<size_t> ready_index, scheduled_index;
    std::vector<std::string> ready_dedup, scheduled_dedup;
    storage::write_batch ready_extra, scheduled_extra;
    for (size_t i = 0; i < entries.size(); ++i) {
        auto& e = entries[i];
        if (e.body.size() > rules.max_message_size.bytes) {
            results[i] = errc::message_too_large;
            continue;
        }
        if (rules.group_required && e.group.empty()) {
            results[i] = errc::group_required;
            continue;
        }
        if (!rules.group_allowed && !e.group.empty()) {
            results[i] = errc::group_not_allowed;
            continue;
        }
        if (e.dedup_id.size() > queue_config::max_dedup_id_length
            || e.group.size() > queue_config::max_group_length) {
            results[i] = errc::key_too_long;
            continue;
        }
        std::optional<timestamp> deliver_at;
        if (e.deliver_at) {
            deliver_at = *e.deliver_at;
        } else if (auto d = e.delay.value_or(rules.default_delay); d.count() > 0) {
            deliver_at = now + d;
        }
        if (deliver_at && *deliver_at > now + rules.max_delay) {
            results[i] = errc::delay_out_of_range;
            continue;
        }
        if (deliver_at && *deliver_at <= now) {
            deliver_at.reset(); // in the past: deliver now
        }
        std::string dedup = e.dedup_id;
        if (dedup.empty() && rules.content_based_dedup) {
            dedup = body_hash(e.body);
        }
        if (!dedup.empty()) {
            auto original = log.find_duplicate(dedup);
            if (!original) {
                results[i] = original.error();
                continue;
            }
            if (*original) {
                results[i] = publish_result{**original, true};
                continue;
            }
        }
        model::message m{
            model::next_message_id(now), now, std::move(e.attributes), std::move(e.body),
            std::move(e.group), e.dedup_id, deliver_at};
        results[i] = publish_result{m.id, false};
        auto& extra = deliver_at ? scheduled_extra : ready_extra;
        if (!dedup.empty()) {
            log.remember_dedup(dedup, m.id, now + rules.dedup_window, extra);
            (deliver_at ? scheduled_dedup : ready_dedup).push_back(dedup);
        }
        (deliver_at ? scheduled_index : ready_index).push_back(i);
        (deliver_at ? scheduled : ready).push_back(std::move(m));
    }
    auto fail = [&](const std::vector<size_t>& idx, error_code ec) {
        for (auto i : idx) {
            results[i] = ec;
        }
    };
    // Committed or not, the store now answers for these ids (it has them, or they are free).
    auto settled = [&](const std::vector<std::string>& dedups) {
        for (auto& d : dedups) {
            log.dedup_settled(d);
        }
    };
    if (!ready.empty()) {
        auto first = co_await log.append(ready, std::move(ready_extra));
        settled(ready_dedup);
        if (!first) {
            fail(ready_index, first.error());
        } else {
            out.accepted += ready.size();
            out.first = *first;
            out.appended = std::move(ready);
        }
    }
    if (!scheduled.empty()) {
        auto earliest = *scheduled.front().deliver_at;
        for (auto& m : scheduled) {
            earliest = std::min(earliest, *m.deliver_at);
        }
        auto done = co_await log.schedule(scheduled, std::move(scheduled_extra));
        settled(scheduled_dedup);
        if (!done) {
            fail(scheduled_index, done.error());
        } else {
            out.accepted += scheduled.size();
            out.earliest_scheduled = earliest;
        }
    }
    co_return out;
}

} // namespace sluice::broker
