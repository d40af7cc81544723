#include "cli/commands.h"

#include "cli/subcommands.h"

namespace sluice::cli {

void add_commands(CLI::App& app, std::shared_ptr<global_options> options) {
    add_queue_commands(app, options);
    add_send_command(app, options);
    add_recv_command(app, options);
    add_ack_command(app, options);
    add_apply_command(app, options);
    add_fn_commands(app, options);
    add_dlq_commands(app, options);
    add_topic_commands(app, options);
    add_publish_command(app, options);
    add_sub_commands(app, options);
    add_trigger_commands(app, options);
    add_bus_commands(app, options);
}

} // namespace sluice::cli
