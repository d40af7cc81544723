#pragma once

#include "cli/commands.h"
#include "cli/session.h"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::cli {

/// One registration function per resource file (queue.cc, send.cc, …); add_commands calls them.
void add_queue_commands(CLI::App& app, std::shared_ptr<global_options> options);
void add_send_command(CLI::App& app, std::shared_ptr<global_options> options);
void add_recv_command(CLI::App& app, std::shared_ptr<global_options> options);
void add_ack_command(CLI::App& app, std::shared_ptr<global_options> options);
void add_apply_command(CLI::App& app, std::shared_ptr<global_options> options);
void add_fn_commands(CLI::App& app, std::shared_ptr<global_options> options);
void add_dlq_commands(CLI::App& app, std::shared_ptr<global_options> options);

/// Acks `receipts` on `queue` in batches (shared by `ack` and `recv --ack`). Prints one
/// "error: …" line on stderr per refused receipt; returns how many were acked.
size_t ack_receipts(session& s, std::string_view queue, const std::vector<std::string>& receipts);

} // namespace sluice::cli
