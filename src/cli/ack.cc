// `sluice ack QUEUE RECEIPT...`: acknowledge (delete) received messages (shared with `sluice sub
// ack`, receiving.h).
#include "cli/api_error.h"
#include "cli/flags.h"
#include "cli/input.h"
#include "cli/receiving.h"
#include "cli/subcommands.h"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <iostream>

namespace sluice::cli {
namespace json = boost::json;

namespace {

/// Receipts per ack request; receive hands out at most 100 at a time, so one recv is one ack.
constexpr size_t ack_batch = 100;

struct ack_args {
    std::string queue;
    std::vector<std::string> receipts;
};

/// "…" + the last 12 characters: enough to tell receipts apart in an error line.
std::string short_receipt(std::string_view receipt) {
    return receipt.size() <= 16 ? std::string(receipt)
                                : "…" + std::string(receipt.substr(receipt.size() - 12));
}

} // namespace

std::vector<std::string> collect_receipts(const std::vector<std::string>& args) {
    std::vector<std::string> receipts;
    for (const auto& r : args) {
        if (r != "-") {
            receipts.push_back(r);
            continue;
        }
        auto parsed = receipts_from_lines(read_stdin());
        for (auto line : parsed.rejected) {
            std::cerr << fmt::format(
                "error: stdin line {}: a JSON object without a \"receipt\" field\n", line);
        }
        if (!parsed.rejected.empty()) {
            fail("nothing was acked");
        }
        receipts.insert(receipts.end(), parsed.receipts.begin(), parsed.receipts.end());
    }
    return receipts;
}

size_t ack_receipts_at(
    session& s, const std::string& ack_path, const std::vector<std::string>& receipts,
    const json::object& extra) {
    size_t acked = 0;
    for (size_t start = 0; start < receipts.size(); start += ack_batch) {
        size_t end = std::min(receipts.size(), start + ack_batch);
        json::array batch;
        for (size_t i = start; i < end; ++i) {
            batch.emplace_back(receipts[i]);
        }
        json::object request = extra;
        request["receipts"] = std::move(batch);
        json::value body = std::move(request);
        auto answer = s.call(http_method::post, ack_path, &body);
        const json::value* results = nullptr;
        if (answer.body.is_object()) {
            results = answer.body.get_object().if_contains("results");
        }
        if (results == nullptr || !results->is_array()
            || results->get_array().size() != end - start) {
            fail("unexpected answer to ack: " + answer.text);
        }
        const auto& list = results->get_array();
        for (size_t i = 0; i < list.size(); ++i) {
            const auto* item = list[i].if_object();
            const auto* ok = item ? item->if_contains("ok") : nullptr;
            if (ok != nullptr && ok->is_bool() && ok->get_bool()) {
                ++acked;
                continue;
            }
            // Same shape as a response error: {"error":{"code","message"}}.
            http_response as_response;
            as_response.status = 200;
            as_response.body = json::serialize(list[i]);
            std::cerr << fmt::format(
                "error: receipt {}: {}\n", short_receipt(receipts[start + i]),
                format_api_error(parse_api_error(as_response)));
        }
    }
    return acked;
}

void ack_and_report(
    session& s, const std::string& ack_path, const std::vector<std::string>& receipts,
    const json::object& extra) {
    size_t acked = receipts.empty() ? 0 : ack_receipts_at(s, ack_path, receipts, extra);
    std::cout << fmt::format("acked {} message{}\n", acked, acked == 1 ? "" : "s");
    if (acked != receipts.size()) {
        fail(fmt::format(
            "{} of {} receipts were refused", receipts.size() - acked, receipts.size()));
    }
}

void add_ack_command(CLI::App& app, std::shared_ptr<global_options> options) {
    auto args = std::make_shared<ack_args>();
    auto* cmd = app.add_subcommand("ack", "Acknowledge (delete) received messages by receipt");
    cmd->add_option("QUEUE", args->queue, "Queue name")->required()->check(name_validator());
    cmd->add_option("RECEIPT", args->receipts, "Receipts to ack, or - for stdin")->required();
    cmd->footer(
        "Receipts come from `sluice recv`. `-` reads them from stdin: one receipt per line, or\n"
        "`sluice recv` output lines (their \"receipt\" field is used). Exits 1 if any receipt is\n"
        "refused (for example a stale receipt of a message that was delivered again).\n\n"
        + examples({
            "sluice ack orders AAAAAQ...",
            "sluice recv orders --max 10 | sluice ack orders -",
            "sluice recv orders --max 10 | jq -r .receipt | sluice ack orders -",
        }));
    cmd->callback([options, args] {
        auto receipts = collect_receipts(args->receipts);
        if (receipts.empty()) {
            std::cout << "acked 0 messages\n";
            return;
        }
        session s(*options);
        ack_and_report(s, queue_path(args->queue, "/ack"), receipts);
    });
}

} // namespace sluice::cli
