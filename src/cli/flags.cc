#include "cli/flags.h"

#include "base/units.h"
#include "cli/output.h"
#include "model/names.h"

#include <fmt/format.h>

namespace sluice::cli {

CLI::Validator duration_validator() {
    return CLI::Validator(
        [](std::string& text) -> std::string {
            if (parse_duration(text)) {
                return {};
            }
            return fmt::format(
                "invalid duration '{}' (expected e.g. 250ms, 30s, 5m, 1h30m, 4d, or seconds)",
                text);
        },
        "DURATION");
}

CLI::Validator duration_validator(millis min, millis max) {
    return CLI::Validator(
        [min, max](std::string& text) -> std::string {
            auto d = parse_duration(text);
            if (!d) {
                return fmt::format(
                    "invalid duration '{}' (expected e.g. 250ms, 30s, 5m, 1h30m, 4d, or seconds)",
                    text);
            }
            if (*d < min || *d > max) {
                return fmt::format(
                    "{} is out of range ({} to {})", text, format_duration(min),
                    format_duration(max));
            }
            return {};
        },
        "DURATION");
}

CLI::Validator byte_size_validator(uint64_t min, uint64_t max) {
    return CLI::Validator(
        [min, max](std::string& text) -> std::string {
            auto s = parse_byte_size(text);
            if (!s) {
                return fmt::format("invalid size '{}' (expected e.g. 1024, 64KiB, 1MiB)", text);
            }
            if (s->bytes < min || s->bytes > max) {
                return fmt::format(
                    "{} is out of range ({} to {})", text, format_byte_size(min),
                    format_byte_size(max));
            }
            return {};
        },
        "SIZE");
}

CLI::Validator byte_size_validator() {
    return CLI::Validator(
        [](std::string& text) -> std::string {
            if (parse_byte_size(text)) {
                return {};
            }
            return fmt::format("invalid size '{}' (expected e.g. 1024, 64KiB, 1MiB)", text);
        },
        "SIZE");
}

CLI::Validator name_validator() {
    return CLI::Validator(
        [](std::string& text) -> std::string {
            if (model::is_valid_name(text)) {
                return {};
            }
            return fmt::format(
                "invalid name '{}' (names are 1–128 characters of A-Z a-z 0-9 _ . -)", text);
        },
        "NAME");
}

CLI::Validator attribute_validator() {
    return CLI::Validator(
        [](std::string& text) -> std::string {
            if (parse_attribute(text)) {
                return {};
            }
            return fmt::format(
                "invalid attribute '{}' (expected KEY=VALUE; keys are A-Z a-z 0-9 _ . -)", text);
        },
        "KEY=VALUE");
}

std::optional<std::pair<std::string, std::string>> parse_attribute(std::string_view text) {
    auto eq = text.find('=');
    if (eq == std::string_view::npos) {
        return std::nullopt;
    }
    auto key = text.substr(0, eq);
    auto value = text.substr(eq + 1);
    if (!model::is_valid_attribute_key(key)) {
        return std::nullopt;
    }
    for (char c : value) {
        auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f) {
            return std::nullopt;
        }
    }
    return std::pair{std::string(key), std::string(value)};
}

std::string examples(std::initializer_list<std::string_view> lines) {
    std::string out = "Examples:";
    for (auto line : lines) {
        out += "\n  ";
        out += line;
    }
    return out;
}

} // namespace sluice::cli
