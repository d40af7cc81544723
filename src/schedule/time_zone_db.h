#pragma once

#include "schedule/errc.h"
#include "schedule/time_zone.h"

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace sluice::schedule {

/// Debian's tzdata location (the `tzdata` package).
inline constexpr std::string_view default_zoneinfo_dir = "/usr/share/zoneinfo";

/// Loads IANA zones by name from a zoneinfo directory of TZif files and keeps each one loaded
/// (a zone is a few KiB; there are ~600 names). "UTC" needs no file.
///
/// Thread-safe: any shard may call locate(); a mutex guards the cache and the file read of a
/// first lookup (a blocking read of a few KiB, done once per zone: load the zones a shard needs
/// when a schedule is created, not on the firing path). Zones are shared, immutable, and stay
/// valid as long as a caller holds the pointer. Data updated on disk is not re-read.
class time_zone_db
{
public:
    explicit time_zone_db(std::filesystem::path dir = std::filesystem::path(default_zoneinfo_dir));

    /// The zone `name` ("America/New_York", "UTC", "Etc/GMT+5").
    /// Errors: unknown_time_zone (malformed name, no such file, not a zone file),
    /// invalid_time_zone_data (a corrupt file).
    schedule_result<std::shared_ptr<const time_zone>> locate(std::string_view name);

private:
    std::filesystem::path _dir;
    std::mutex _mutex;
    std::map<std::string, std::shared_ptr<const time_zone>, std::less<>> _zones;
};

} // namespace sluice::schedule
