#pragma once

#include "cli/session.h"

#include <boost/json/object.hpp>

#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::cli {

/// What `sluice send` (queues) and `sluice publish` (topics) share: the per-message flags, the
/// one-message request (raw body, options as headers) and batch publishing (docs/api.md
/// "Publishing").

/// The flags every publish command has. Values are validated by CLI11 before any request.
struct message_flags {
    std::vector<std::string> attributes; ///< "KEY=VALUE"
    std::string delay;                   ///< a duration
    std::string at;                      ///< an RFC 3339 time
    std::string dedup_id;
    std::string group; ///< a queue's message group, or a topic's key
    bool json = false; ///< print the server's JSON answer instead of the id
};

/// Adds --attr, --delay, --at, --dedup-id and --json to `cmd`; `--delay` and `--at` exclude each
/// other. The group/key flag differs per command and is added by it.
void add_message_flags(CLI::App& cmd, message_flags& flags);

/// The body of a one-message publish: BODY as given, or stdin for "-".
std::string message_body(const std::string& body_arg);

/// POSTs one raw message to `path` (`…/messages`): the flags travel as Sluice-* headers (the
/// group/key as `group_header`), plus `extra` headers. Prints the message id, or the JSON answer
/// with --json. A non-2xx answer fails the command with the server's error.
void publish_one(
    session& s, std::string path, std::string body, const message_flags& flags,
    std::string_view group_header, std::vector<http_header> extra = {});

/// The flags as fields of a batch entry (attributes, delay, deliver_at, and the group/key as
/// `group_field`), for entries that do not set them. The dedup id is per message, never shared.
boost::json::object batch_defaults(const message_flags& flags, std::string_view group_field);

/// Publishes batch entries to `batch_path` (`…/messages/batch`), 1000 per request. Prints one id
/// per line (with --json: the result object of each entry, one per line), in order. An entry the
/// server refuses prints "error: <where(i)> was not published: …" on stderr; the command fails
/// after the others when any was refused. A request the server refuses as a whole fails the
/// command at once; `messages[i]` in its message is followed by "(<where(i)>)".
void publish_batches(
    session& s, const std::string& batch_path, std::vector<boost::json::object> messages,
    bool json, const std::function<std::string(size_t)>& where);

} // namespace sluice::cli
