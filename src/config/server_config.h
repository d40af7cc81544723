#pragma once

#include "base/clock.h"
#include "base/units.h"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sluice::config {

/// Every setting of `sluice serve`, declared once (settings() below gives name, env, default,
/// description and parser for each). Sources, lowest first: defaults < YAML file (--config) <
/// SLUICE_<KEY> environment < command-line flags.
struct server_config {
    std::string data_dir = "./sluice-data";
    std::string listen = "127.0.0.1:8080";
    unsigned shards = 0;                    ///< 0 = one per core
    /// A shard polls this long before sleeping; 0 = off; nullopt = auto (400 with interval or
    /// none durability and no CPU quota, see shard::cgroup_cpu_quota; otherwise 0).
    std::optional<unsigned> idle_poll_us;
    std::string durability = "fsync";       ///< fsync | interval | none
    millis sync_interval{100};              ///< how often `interval` durability fsyncs
    std::string api_key;                    ///< required when listen is not loopback
    byte_size max_request_size{20u << 20};  ///< bigger bodies get 413
    millis header_timeout{10'000};          ///< a client must send its headers within this
    millis body_timeout{60'000};            ///< …and its body within this
    millis idle_timeout{120'000};           ///< keep-alive connection idle limit
    unsigned max_connections = 20'000;      ///< more are accepted and closed at once
    unsigned max_in_flight = 120'000;       ///< leases per queue / subscription partition
    std::string log_level = "info";
    millis retention_sweep_interval{1'000}; ///< how often retention is enforced
};

/// One declared setting.
struct setting {
    std::string name;        ///< YAML key, and flag --name with '_' → '-'
    std::string description;
    std::string default_value;
    /// Parses text into the config; returns an error message on bad input.
    std::function<std::optional<std::string>(server_config&, const std::string&)> apply;
    /// Current value as text.
    std::function<std::string(const server_config&)> show;

    std::string env_name() const;  ///< SLUICE_DATA_DIR
    std::string flag_name() const; ///< --data-dir
};

const std::vector<setting>& settings();

/// Builds the config from the three sources. `flags` maps setting names to the text given on
/// the command line. Returns the config or a message naming the bad setting and its source.
struct load_result {
    std::optional<server_config> config;
    std::string error;
};
load_result load(
    const std::string& yaml_path, const std::map<std::string, std::string>& flags,
    const std::function<const char*(const char*)>& getenv);

/// Checks cross-setting rules (e.g. API key required off loopback). Error message or nullopt.
std::optional<std::string> validate(const server_config& c);

/// True when `listen`'s host is a loopback address (127.0.0.0/8, ::1, localhost).
bool is_loopback_listen(const std::string& listen);

/// "host:port" split; nullopt when malformed.
std::optional<std::pair<std::string, uint16_t>> split_listen(const std::string& listen);

} // namespace sluice::config
