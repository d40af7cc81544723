#include "schedule/time_zone_db.h"

#include "schedule/text.h"

#include <fmt/format.h>
#include <fstream>
#include <iterator>

namespace sluice::schedule {

namespace {

constexpr std::size_t max_zone_file = 1 << 20; // real ones are under 10 KiB

} // namespace

time_zone_db::time_zone_db(std::filesystem::path dir)
  : _dir(std::move(dir))
{
}

schedule_result<std::shared_ptr<const time_zone>> time_zone_db::locate(std::string_view name)
{
    auto unknown = [&] {
        return make_error(
          errc::unknown_time_zone, fmt::format("unknown time zone '{}'", detail::printable(name)));
    };
    // right/…: leap-second variants, whose clock is not POSIX time.
    if (!is_valid_zone_name(name) || name.starts_with("right/")) {
        return unknown();
    }
    std::lock_guard lock(_mutex);
    if (auto it = _zones.find(name); it != _zones.end()) {
        return it->second;
    }
    std::filesystem::path file = _dir / std::string(name);
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec)) {
        if (name == "UTC") {
            auto z = std::make_shared<const time_zone>(time_zone::utc());
            _zones.emplace(std::string(name), z);
            return z;
        }
        return unknown();
    }
    std::ifstream in(file, std::ios::binary);
    std::string bytes;
    bytes.resize(max_zone_file + 1);
    in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    bytes.resize(static_cast<std::size_t>(in.gcount()));
    if (!in.eof() || bytes.size() > max_zone_file) {
        return make_error(
          errc::invalid_time_zone_data,
          fmt::format("time zone '{}': cannot read {}", name, file.string()));
    }
    if (!bytes.starts_with("TZif")) {
        return unknown(); // zone.tab, leapseconds, tzdata.zi …
    }
    auto zone = time_zone::from_tzif(std::string(name), bytes);
    if (!zone) {
        return zone.error();
    }
    auto z = std::make_shared<const time_zone>(std::move(*zone));
    _zones.emplace(std::string(name), z);
    return z;
}

} // namespace sluice::schedule
