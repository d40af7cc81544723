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
void add_topic_commands(CLI::App& app, std::shared_ptr<global_options> options);
void add_publish_command(CLI::App& app, std::shared_ptr<global_options> options);
/// `sluice sub`: create, list, get, delete (sub.cc), then recv, ack, seek (sub_messages.cc).
void add_sub_commands(CLI::App& app, std::shared_ptr<global_options> options);
void add_sub_message_commands(CLI::App& sub, std::shared_ptr<global_options> options);
void add_trigger_commands(CLI::App& app, std::shared_ptr<global_options> options);
/// `sluice bus`, `sluice rule`, `sluice replay`, `sluice test-pattern` (bus.cc).
void add_bus_commands(CLI::App& app, std::shared_ptr<global_options> options);

} // namespace sluice::cli
