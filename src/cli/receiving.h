#pragma once

#include "cli/session.h"

#include <boost/json/object.hpp>

#include <CLI/CLI.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace sluice::cli {

/// What `sluice recv`/`ack` (queues) and `sluice sub recv`/`sub ack` (topic subscriptions)
/// share: receive flags, printing deliveries as JSON lines, and acking receipts in batches.
/// Implemented in recv.cc and ack.cc.

struct receive_flags {
    int max = 1;
    std::string wait;
    std::string visibility;
    bool ack = false;
    bool raw_body = false;
};

/// Adds --max, --wait, --visibility, --ack and --raw-body to `cmd`.
void add_receive_flags(CLI::App& cmd, receive_flags& flags);

/// The "Prints one JSON object per line…" paragraph of the receive commands' help;
/// `extra_fields` lists fields beyond the queue's (", key, partition, offset").
std::string receive_help(std::string_view extra_fields);

/// POSTs a receive request to `path` (the flags, plus `extra` fields such as "consumer"),
/// prints each message as one JSON line (output.h) and returns their receipts in order. With
/// --ack, then acks them at `ack_path` (with the same `extra` fields) and reports the count on
/// stderr; fails the command when any ack is refused.
void receive_and_print(
    session& s, const std::string& path, const std::string& ack_path, const receive_flags& flags,
    const boost::json::object& extra = {});

/// Receipts from the command line: each argument, or for "-" the lines of stdin (a receipt, or
/// a line of recv output whose "receipt" field is used). Fails the command on a stdin line that
/// is a JSON object without a receipt.
std::vector<std::string> collect_receipts(const std::vector<std::string>& args);

/// Acks `receipts` at `ack_path` in batches of 100, each request carrying the `extra` fields.
/// Prints one "error: receipt …: reason" line on stderr per refused receipt; returns how many
/// were acked.
size_t ack_receipts_at(
    session& s, const std::string& ack_path, const std::vector<std::string>& receipts,
    const boost::json::object& extra = {});

/// Acks `receipts`, prints "acked N message(s)" on stdout, and fails the command when any was
/// refused (the ack commands).
void ack_and_report(
    session& s, const std::string& ack_path, const std::vector<std::string>& receipts,
    const boost::json::object& extra = {});

} // namespace sluice::cli
