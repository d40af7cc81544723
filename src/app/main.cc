// The one `sluice` binary: the server (`serve`) and every client command.
#include "app/serve_command.h"
#include "bench/bench_command.h"
#include "cli/commands.h"

#include <CLI/CLI.hpp>

#include <memory>

int main(int argc, char** argv) {
    CLI::App app{
        "sluice — a durable message broker, event bus and function runtime in one program.\n"
        "Start a server with `sluice serve`; every other command talks to one over HTTP."};
    app.require_subcommand(1);
    app.set_version_flag("--version", "sluice 0.1.0");
    auto options = std::make_shared<sluice::cli::global_options>();
    app.add_option("--server", options->server, "Server URL for client commands")
        ->envname("SLUICE_SERVER")
        ->capture_default_str();
    app.add_option("--api-key", options->api_key, "API key for a server off loopback")
        ->envname("SLUICE_API_KEY");
    sluice::app::add_server_commands(app);
    sluice::cli::add_commands(app, options);
    sluice::bench::add_bench_command(app, options);
    try {
        app.parse(argc, argv);
    } catch (const CLI::RuntimeError& e) {
        return e.get_exit_code(); // a command failed; it already said why on stderr
    } catch (const CLI::ParseError& e) {
        // --help / --version exit 0; every usage error exits 2, as documented.
        return app.exit(e) == 0 ? 0 : 2;
    }
    return 0;
}
