// cron(...) field parsing (AWS EventBridge Scheduler syntax, itself Quartz's minus seconds).
#include "schedule/cron.h"
#include "schedule/text.h"

#include <bitset>
#include <fmt/format.h>
#include <string>

namespace sluice::schedule {

namespace {

constexpr std::string_view month_names[]
  = { "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC" };
constexpr std::string_view day_names[] = { "SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT" };

struct field_spec
{
    std::string_view name;
    int lo;
    int hi;
    const std::string_view* names = nullptr; ///< names[i] is the value lo + i
    std::string_view what = "a number";      ///< what a value may be, for messages
};

enum field_index
{
    f_minutes,
    f_hours,
    f_day_of_month,
    f_month,
    f_day_of_week,
    f_year,
    field_count
};

constexpr field_spec specs[field_count] = {
    { "minutes", 0, 59 },
    { "hours", 0, 23 },
    { "day-of-month", 1, 31 },
    { "month", 1, 12, month_names, "a number or month name (JAN-DEC)" },
    { "day-of-week", 1, 7, day_names, "a number or day name (SUN-SAT)" },
    { "year", min_year, max_year },
};

/// Values of one field, bit (v - lo).
using value_set = std::bitset<max_year - min_year + 1>;

std::string upper(std::string_view s)
{
    std::string u(s);
    for (char& c : u) {
        if (c >= 'a' && c <= 'z') {
            c = static_cast<char>(c - 32);
        }
    }
    return u;
}

/// Parses one field's text; errors quote the offending token and point at it.
class field_parser
{
public:
    field_parser(const field_spec& spec, std::string_view text, std::size_t at)
      : _spec(spec)
      , _text(text)
      , _at(at)
    {
    }

    schedule_error fail(std::string_view token, std::size_t at, std::string_view detail) const
    {
        return make_error(
          errc::invalid_cron,
          fmt::format("cron: {} field '{}': {}", _spec.name, detail::printable(token), detail),
          at,
          std::string(_spec.name));
    }
    schedule_error fail(std::string_view detail) const { return fail(_text, _at, detail); }
    std::size_t at() const { return _at; }

    /// A number or (month/day-of-week fields) a name, within lo-hi.
    schedule_result<int> value(std::string_view token, std::size_t at) const
    {
        if (token.empty()) {
            return fail("missing value");
        }
        if (_spec.names != nullptr) {
            int count = _spec.hi - _spec.lo + 1;
            for (int i = 0; i < count; ++i) {
                if (detail::iequals(token, _spec.names[i])) {
                    return _spec.lo + i;
                }
            }
        }
        auto v = detail::parse_uint(token);
        if (!v) {
            bool digits = !token.empty();
            for (char c : token) {
                digits = digits && c >= '0' && c <= '9';
            }
            return digits
                     ? fail(token, at, fmt::format("value out of range {}-{}", _spec.lo, _spec.hi))
                     : fail(token, at, fmt::format("not {}", _spec.what));
        }
        if (static_cast<int>(*v) < _spec.lo || static_cast<int>(*v) > _spec.hi) {
            return fail(token, at, fmt::format("value out of range {}-{}", _spec.lo, _spec.hi));
        }
        return static_cast<int>(*v);
    }

    /// `*`, `a`, `a-b`, `*/n`, `a/n`, `a-b/n`, and comma-separated lists of them.
    schedule_result<value_set> set() const
    {
        value_set bits;
        std::size_t pos = 0;
        while (true) {
            std::size_t comma = _text.find(',', pos);
            std::size_t end = comma == std::string_view::npos ? _text.size() : comma;
            auto r = item(_text.substr(pos, end - pos), _at + pos, bits);
            if (!r) {
                return r.error();
            }
            if (comma == std::string_view::npos) {
                break;
            }
            pos = comma + 1;
        }
        return bits;
    }

private:
    schedule_result<void> item(std::string_view token, std::size_t at, value_set& bits) const
    {
        if (token.empty()) {
            return fail("empty value in list");
        }
        std::string_view base = token;
        int step = 1;
        bool stepped = false;
        if (auto slash = token.find('/'); slash != std::string_view::npos) {
            base = token.substr(0, slash);
            std::string_view step_text = token.substr(slash + 1);
            int span = _spec.hi - _spec.lo + 1;
            auto s = detail::parse_uint(step_text);
            if (!s || *s < 1 || static_cast<int>(*s) > span) {
                return fail(
                  token, at, fmt::format("increment must be a number from 1 to {}", span));
            }
            step = static_cast<int>(*s);
            stepped = true;
        }
        if (base.empty()) {
            return fail(token, at, "missing value before '/'");
        }
        int lo = _spec.lo;
        int hi = _spec.hi;
        if (base != "*") {
            std::size_t dash = base.find('-');
            auto a = value(base.substr(0, dash), at);
            if (!a) {
                return a.error();
            }
            lo = *a;
            hi = stepped ? _spec.hi : *a; // `a/n` runs to the end of the field
            if (dash != std::string_view::npos) {
                auto b = value(base.substr(dash + 1), at + dash + 1);
                if (!b) {
                    return b.error();
                }
                if (*b < *a) {
                    return fail(
                      token, at, fmt::format("range start {} is after its end {}", *a, *b));
                }
                hi = *b;
            }
        }
        for (int v = lo; v <= hi; v += step) {
            bits.set(static_cast<std::size_t>(v - _spec.lo));
        }
        return {};
    }

    const field_spec& _spec;
    std::string_view _text;
    std::size_t _at;
};

template<class T>
T to_bits(const value_set& set, int shift)
{
    T bits = 0;
    for (std::size_t i = 0; i < set.size(); ++i) {
        if (set.test(i)) {
            bits |= static_cast<T>(T{ 1 } << (i + static_cast<std::size_t>(shift)));
        }
    }
    return bits;
}

schedule_result<day_of_month_field> parse_day_of_month(const field_parser& p, std::string_view text)
{
    day_of_month_field f;
    std::string u = upper(text);
    if (u.find_first_of("LW") == std::string::npos) {
        auto set = p.set();
        if (!set) {
            return set.error();
        }
        f.type = day_of_month_field::kind::days;
        f.days = to_bits<std::uint32_t>(*set, 1);
        return f;
    }
    if (u.find(',') != std::string::npos) {
        return p.fail("L and W cannot be combined with other values");
    }
    if (u == "L") {
        f.type = day_of_month_field::kind::last;
        return f;
    }
    if (u == "LW") {
        f.type = day_of_month_field::kind::last_weekday;
        return f;
    }
    if (u.size() >= 2 && u.back() == 'W' && u.find_first_of("LW") == u.size() - 1) {
        auto n = p.value(text.substr(0, text.size() - 1), p.at());
        if (!n) {
            return n.error();
        }
        f.type = day_of_month_field::kind::nearest_weekday;
        f.day = static_cast<std::uint8_t>(*n);
        return f;
    }
    return p.fail("expected L, LW or nW (n = 1-31) on its own");
}

schedule_result<day_of_week_field> parse_day_of_week(const field_parser& p, std::string_view text)
{
    day_of_week_field f;
    std::string u = upper(text);
    bool has_hash = u.find('#') != std::string::npos;
    bool has_last = !u.empty() && u.back() == 'L';
    if (!has_hash && !has_last) {
        auto set = p.set();
        if (!set) {
            return set.error();
        }
        f.type = day_of_week_field::kind::days;
        f.days = to_bits<std::uint8_t>(*set, 1);
        return f;
    }
    if (u.find(',') != std::string::npos) {
        return p.fail("L and # cannot be combined with other values");
    }
    if (u == "L") { // the last day of the week: Saturday (7)
        f.type = day_of_week_field::kind::days;
        f.days = 1U << 7;
        return f;
    }
    if (has_hash) {
        std::size_t hash = u.find('#');
        auto d = p.value(text.substr(0, hash), p.at());
        if (!d) {
            return d.error();
        }
        auto k = detail::parse_uint(text.substr(hash + 1));
        if (!k || *k < 1 || *k > 5) {
            return p.fail("occurrence after '#' must be from 1 to 5");
        }
        f.type = day_of_week_field::kind::nth;
        f.day = static_cast<std::uint8_t>(*d);
        f.nth = static_cast<std::uint8_t>(*k);
        return f;
    }
    auto d = p.value(text.substr(0, text.size() - 1), p.at());
    if (!d) {
        return d.error();
    }
    f.type = day_of_week_field::kind::last_of_month;
    f.day = static_cast<std::uint8_t>(*d);
    return f;
}

} // namespace

schedule_result<cron_expression> parse_cron(std::string_view fields, std::size_t base_offset)
{
    auto words = detail::split_words(fields, base_offset);
    if (words.size() != field_count) {
        std::size_t at
          = words.size() > field_count ? words[field_count].second : base_offset + fields.size();
        return make_error(
          errc::invalid_cron,
          fmt::format(
            "cron: expected 6 fields (minutes hours day-of-month month day-of-week year), got {}",
            words.size()),
          at);
    }
    cron_expression c;
    bool dom_any = false;
    bool dow_any = false;
    for (int i = 0; i < field_count; ++i) {
        const auto& [text, at] = words[static_cast<std::size_t>(i)];
        field_parser p(specs[i], text, at);
        bool day_field = i == f_day_of_month || i == f_day_of_week;
        if (text.find('?') != std::string_view::npos) {
            if (!day_field) {
                return p.fail("'?' is only allowed in day-of-month and day-of-week");
            }
            if (text != "?") {
                return p.fail("'?' must be the whole field");
            }
            (i == f_day_of_month ? dom_any : dow_any) = true;
            continue;
        }
        if (i == f_day_of_month) {
            auto f = parse_day_of_month(p, text);
            if (!f) {
                return f.error();
            }
            c.day_of_month = *f;
            continue;
        }
        if (i == f_day_of_week) {
            auto f = parse_day_of_week(p, text);
            if (!f) {
                return f.error();
            }
            c.day_of_week = *f;
            continue;
        }
        auto set = p.set();
        if (!set) {
            return set.error();
        }
        switch (i) {
            case f_minutes:
                c.minutes = to_bits<std::uint64_t>(*set, 0);
                break;
            case f_hours:
                c.hours = to_bits<std::uint32_t>(*set, 0);
                break;
            case f_month:
                c.months = to_bits<std::uint16_t>(*set, 1);
                break;
            default:
                for (std::size_t y = 0; y < set->size(); ++y) {
                    if (set->test(y)) {
                        c.years[y / 64] |= std::uint64_t{ 1 } << (y % 64);
                    }
                }
                break;
        }
    }
    std::size_t dom_at = words[f_day_of_month].second;
    if (dom_any && dow_any) {
        return make_error(
          errc::invalid_cron,
          "cron: day-of-month and day-of-week are both '?'; exactly one must be '?'",
          dom_at);
    }
    if (!dom_any && !dow_any) {
        return make_error(
          errc::invalid_cron,
          "cron: both day-of-month and day-of-week are set; one must be '?'",
          dom_at);
    }
    if (dom_any) {
        c.day_of_month = { day_of_month_field::kind::unrestricted };
    } else {
        c.day_of_week = { day_of_week_field::kind::unrestricted };
    }
    return c;
}

} // namespace sluice::schedule
