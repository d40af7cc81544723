#include "schedule/expression.h"

#include "schedule/text.h"

#include <fmt/format.h>

namespace sluice::schedule {

using namespace std::chrono;

std::chrono::seconds rate_expression::interval() const
{
    switch (unit) {
        case rate_unit::minutes:
            return minutes(value);
        case rate_unit::hours:
            return hours(value);
        case rate_unit::days:
            return days(value);
    }
    return minutes(value);
}

namespace {

schedule_result<expression> parse_rate(std::string_view inner, std::size_t base)
{
    auto words = detail::split_words(inner, base);
    if (words.size() != 2) {
        return make_error(
          errc::invalid_rate, "rate: expected 'rate(value unit)', e.g. rate(5 minutes)", base);
    }
    const auto& [value_text, value_at] = words[0];
    const auto& [unit_text, unit_at] = words[1];
    auto value = detail::parse_uint(value_text);
    if (!value) {
        return make_error(
          errc::invalid_rate,
          fmt::format("rate: value '{}' is not a whole number", detail::printable(value_text)),
          value_at);
    }
    if (*value < 1 || *value > rate_expression::max_value) {
        return make_error(
          errc::invalid_rate,
          fmt::format("rate: value '{}' out of range 1-{}", value_text, rate_expression::max_value),
          value_at);
    }
    struct unit_name
    {
        std::string_view singular;
        std::string_view plural;
        rate_unit unit;
    };
    static constexpr unit_name units[] = {
        { "minute", "minutes", rate_unit::minutes },
        { "hour", "hours", rate_unit::hours },
        { "day", "days", rate_unit::days },
    };
    for (const auto& u : units) {
        if (unit_text != u.singular && unit_text != u.plural) {
            continue;
        }
        // As AWS: the singular for exactly 1, the plural otherwise.
        if (*value == 1 && unit_text == u.plural) {
            return make_error(
              errc::invalid_rate,
              fmt::format("rate: a value of 1 takes the singular unit '{}'", u.singular),
              unit_at);
        }
        if (*value != 1 && unit_text == u.singular) {
            return make_error(
              errc::invalid_rate,
              fmt::format("rate: a value of {} takes the plural unit '{}'", *value, u.plural),
              unit_at);
        }
        return expression{ rate_expression{ static_cast<std::uint32_t>(*value), u.unit } };
    }
    return make_error(errc::invalid_rate, "rate: unit must be minutes, hours or days", unit_at);
}

schedule_result<expression> parse_at(std::string_view inner, std::size_t base)
{
    // Exactly yyyy-mm-ddThh:mm:ss, no zone suffix (the schedule's zone applies).
    constexpr std::string_view shape = "yyyy-mm-ddThh:mm:ss";
    auto bad_shape = [&] {
        return make_error(
          errc::invalid_at,
          fmt::format("at: expected {}, got '{}'", shape, detail::printable(inner)),
          base);
    };
    if (inner.size() != shape.size()) {
        return bad_shape();
    }
    for (std::size_t i = 0; i < shape.size(); ++i) {
        bool digit = inner[i] >= '0' && inner[i] <= '9';
        bool want_digit = shape[i] >= 'a' && shape[i] <= 'z' && shape[i] != 'T';
        if (want_digit ? !digit : inner[i] != shape[i]) {
            return bad_shape();
        }
    }
    auto number = [&](std::size_t at, std::size_t len) {
        return static_cast<int>(*detail::parse_uint(inner.substr(at, len)));
    };
    struct part
    {
        const char* name;
        std::size_t at;
        std::size_t len;
        int lo;
        int hi;
    };
    static constexpr part parts[] = {
        { "year", 0, 4, min_year, max_year },
        { "month", 5, 2, 1, 12 },
        { "day", 8, 2, 1, 31 },
        { "hour", 11, 2, 0, 23 },
        { "minute", 14, 2, 0, 59 },
        { "second", 17, 2, 0, 59 },
    };
    for (const auto& p : parts) {
        int v = number(p.at, p.len);
        if (v < p.lo || v > p.hi) {
            return make_error(
              errc::invalid_at,
              fmt::format(
                "at: {} '{}' out of range {}-{}", p.name, inner.substr(p.at, p.len), p.lo, p.hi),
              base + p.at);
        }
    }
    year_month_day date{ year{ number(0, 4) },
                         month{ static_cast<unsigned>(number(5, 2)) },
                         day{ static_cast<unsigned>(number(8, 2)) } };
    if (!date.ok()) {
        return make_error(
          errc::invalid_at, fmt::format("at: {} is not a date", inner.substr(0, 10)), base + 8);
    }
    local_seconds t
      = local_days{ date } + hours(number(11, 2)) + minutes(number(14, 2)) + seconds(number(17, 2));
    return expression{ at_expression{ t } };
}

} // namespace

schedule_result<expression> parse(std::string_view text)
{
    auto [body, body_at] = detail::trim(text, 0);
    struct form
    {
        std::string_view prefix;
        std::string_view name;
        errc code;
    };
    static constexpr form forms[] = {
        { "rate(", "rate", errc::invalid_rate },
        { "cron(", "cron", errc::invalid_cron },
        { "at(", "at", errc::invalid_at },
    };
    for (const auto& f : forms) {
        if (!body.starts_with(f.prefix)) {
            continue;
        }
        if (!body.ends_with(')')) {
            return make_error(
              f.code, fmt::format("{}: missing ')' at the end", f.name), body_at + body.size());
        }
        std::size_t inner_at = body_at + f.prefix.size();
        std::string_view inner = body.substr(f.prefix.size(), body.size() - f.prefix.size() - 1);
        if (f.name == "rate") {
            return parse_rate(inner, inner_at);
        }
        if (f.name == "cron") {
            auto c = parse_cron(inner, inner_at);
            if (!c) {
                return c.error();
            }
            return expression{ *c };
        }
        return parse_at(inner, inner_at);
    }
    return make_error(
      errc::unknown_expression,
      fmt::format(
        "schedule expression '{}' must be rate(...), cron(...) or at(...)",
        detail::printable(body.substr(0, 64))),
      body_at);
}

} // namespace sluice::schedule
