#include "storage/engine.h"

namespace sluice::storage {

std::optional<durability> parse_durability(std::string_view text) {
    if (text == "fsync") {
        return durability::fsync;
    }
    if (text == "interval") {
        return durability::interval;
    }
    if (text == "none") {
        return durability::none;
    }
    return std::nullopt;
}

std::string_view to_string(durability d) {
    switch (d) {
    case durability::fsync:
        return "fsync";
    case durability::interval:
        return "interval";
    case durability::none:
        return "none";
    }
    return "unknown";
}

} // namespace sluice::storage
