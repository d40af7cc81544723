#include "pattern/term_code.h"

#include "pattern/predicate.h"

#include <cstring>

namespace sluice::pattern {

namespace {

/// Matcher records in the block. `general` keeps a pointer to the AST matcher (wildcard,
/// anything-but); the others are checked from the block alone.
enum class op : std::uint8_t
{
    string,       ///< u32 length + bytes
    number,       ///< f64
    literal_kind, ///< u8 value_kind (true / false / null)
    prefix,       ///< u8 ignore_case + u32 length + bytes
    suffix,       ///< u8 ignore_case + u32 length + bytes
    ignore_case,  ///< u32 length + bytes (lower-cased)
    range,        ///< f64 lower, f64 upper, u8 flags (1 lower inclusive, 2 upper inclusive)
    cidr,         ///< u8 v6, u8 prefix length, 16 bytes masked base
    exists,       ///< u8 (1 true, 0 false)
    general,      ///< const value_matcher*
};

class writer
{
public:
    explicit writer(std::vector<std::byte>& out)
      : _out(out)
    {
    }

    template<class T>
    void put(const T& v)
    {
        auto at = _out.size();
        _out.resize(at + sizeof(T));
        std::memcpy(_out.data() + at, &v, sizeof(T));
    }
    void put_bytes(std::string_view s)
    {
        put(static_cast<std::uint32_t>(s.size()));
        auto at = _out.size();
        _out.resize(at + s.size());
        std::memcpy(_out.data() + at, s.data(), s.size());
    }

private:
    std::vector<std::byte>& _out;
};

class reader
{
public:
    explicit reader(const std::byte* p)
      : _p(p)
    {
    }

    template<class T>
    T get()
    {
        T v;
        std::memcpy(&v, _p, sizeof(T));
        _p += sizeof(T);
        return v;
    }
    std::string_view get_bytes()
    {
        auto n = get<std::uint32_t>();
        std::string_view s(reinterpret_cast<const char*>(_p), n);
        _p += n;
        return s;
    }
    void skip(std::size_t n) { _p += n; }
    const std::byte* position() const { return _p; }

private:
    const std::byte* _p;
};

struct encoder
{
    writer& w;

    void operator()(const exact_match& m) const
    {
        const literal& l = m.value;
        if (l.kind == value_kind::string) {
            w.put(op::string);
            w.put_bytes(l.text);
        } else if (l.kind == value_kind::number) {
            w.put(op::number);
            w.put(l.number);
        } else {
            w.put(op::literal_kind);
            w.put(static_cast<std::uint8_t>(l.kind));
        }
    }
    void operator()(const prefix_match& m) const
    {
        w.put(op::prefix);
        w.put(static_cast<std::uint8_t>(m.ignore_case));
        w.put_bytes(m.text);
    }
    void operator()(const suffix_match& m) const
    {
        w.put(op::suffix);
        w.put(static_cast<std::uint8_t>(m.ignore_case));
        w.put_bytes(m.text);
    }
    void operator()(const equals_ignore_case_match& m) const
    {
        w.put(op::ignore_case);
        w.put_bytes(m.text);
    }
    void operator()(const numeric_match& m) const
    {
        w.put(op::range);
        w.put(m.lower);
        w.put(m.upper);
        w.put(static_cast<std::uint8_t>((m.lower_inclusive ? 1 : 0) | (m.upper_inclusive ? 2 : 0)));
    }
    void operator()(const cidr_match& m) const
    {
        w.put(op::cidr);
        w.put(static_cast<std::uint8_t>(m.block.base.v6));
        w.put(m.block.prefix_len);
        w.put(m.block.base.bytes);
    }
    void operator()(const exists_match& m) const
    {
        w.put(op::exists);
        w.put(static_cast<std::uint8_t>(m.exists));
    }
    void operator()(const wildcard_match&) const {}
    void operator()(const anything_but_match&) const {}
};

bool is_general(const value_matcher& m)
{
    return std::holds_alternative<wildcard_match>(m)
           || std::holds_alternative<anything_but_match>(m);
}

bool exact_only(const clause& c)
{
    for (const auto& m : c.matchers) {
        if (!std::holds_alternative<exact_match>(m)) {
            return false;
        }
    }
    return true;
}

bool ends_with_ignore_case(std::string_view s, std::string_view lower)
{
    return s.size() >= lower.size() && iequals_lower(s.substr(s.size() - lower.size()), lower);
}

/// Checks one matcher record against a present value, moving the reader past the record.
bool accepts_record(reader& r, const leaf_value& v)
{
    auto kind = r.get<op>();
    switch (kind) {
        case op::string: {
            std::string_view s = r.get_bytes();
            return v.kind == value_kind::string && v.str == s;
        }
        case op::number: {
            double d = r.get<double>();
            return v.kind == value_kind::number && v.number == d;
        }
        case op::literal_kind:
            return static_cast<value_kind>(r.get<std::uint8_t>()) == v.kind;
        case op::prefix:
        case op::suffix: {
            bool ic = r.get<std::uint8_t>() != 0;
            std::string_view s = r.get_bytes();
            if (v.kind != value_kind::string) {
                return false;
            }
            if (kind == op::prefix) {
                return ic ? v.str.size() >= s.size() && iequals_lower(v.str.substr(0, s.size()), s)
                          : v.str.starts_with(s);
            }
            return ic ? ends_with_ignore_case(v.str, s) : v.str.ends_with(s);
        }
        case op::ignore_case: {
            std::string_view s = r.get_bytes();
            return v.kind == value_kind::string && iequals_lower(v.str, s);
        }
        case op::range: {
            numeric_match m;
            m.lower = r.get<double>();
            m.upper = r.get<double>();
            auto flags = r.get<std::uint8_t>();
            m.lower_inclusive = (flags & 1) != 0;
            m.upper_inclusive = (flags & 2) != 0;
            return v.kind == value_kind::number && m.contains(v.number);
        }
        case op::cidr: {
            ip_block b;
            b.base.v6 = r.get<std::uint8_t>() != 0;
            b.prefix_len = r.get<std::uint8_t>();
            b.base.bytes = r.get<std::array<std::uint8_t, 16>>();
            if (v.kind != value_kind::string) {
                return false;
            }
            auto a = parse_ip(v.str);
            return a && b.contains(*a);
        }
        case op::exists:
            return r.get<std::uint8_t>() != 0;
        case op::general:
            return accepts(*r.get<const value_matcher*>(), v);
    }
    return false;
}

} // namespace

term_code::term_code(
  const term& t,
  std::span<const std::uint32_t> paths,
  std::uint32_t skip_clause,
  std::span<const std::uint32_t> shared_nodes)
{
    std::vector<std::byte> code;
    writer w(code);
    w.put(std::uint32_t{ 0 }); // length, patched below
    w.put(static_cast<std::uint32_t>(shared_nodes.size()));
    for (std::uint32_t n : shared_nodes) {
        w.put(n);
    }
    // Exact-value clauses first: cheapest and usually the most selective.
    for (int pass = 0; pass < 2; ++pass) {
        for (std::uint32_t i = 0; i < t.clauses.size(); ++i) {
            const clause& c = t.clauses[i];
            if (i == skip_clause || exact_only(c) != (pass == 0)) {
                continue;
            }
            if (pass == 0 && _filter_mask == 0 && c.matchers.size() <= 4) {
                _filter_path = paths[i];
                for (const auto& m : c.matchers) {
                    _filter_mask |= value_signature(std::get<exact_match>(m).value.view());
                }
            }
            auto record_start = code.size();
            w.put(std::uint32_t{ 0 }); // record length, patched below
            w.put(paths[i]);
            w.put(static_cast<std::uint8_t>(c.accepts_absent ? 1 : 0));
            w.put(static_cast<std::uint16_t>(c.matchers.size()));
            for (const auto& m : c.matchers) {
                if (is_general(m)) {
                    w.put(op::general);
                    w.put(&m);
                } else {
                    std::visit(encoder{ w }, m);
                }
            }
            auto record_size = static_cast<std::uint32_t>(code.size() - record_start);
            std::memcpy(code.data() + record_start, &record_size, sizeof(record_size));
        }
    }
    auto size = static_cast<std::uint32_t>(code.size());
    std::memcpy(code.data(), &size, sizeof(size));
    _code = std::make_unique<std::byte[]>(code.size());
    std::memcpy(_code.get(), code.data(), code.size());
}

bool term_code::needs_tree(const flat_event& e) const
{
    if (!e.has_container_arrays() || !_code) {
        return false;
    }
    reader r(_code.get() + sizeof(std::uint32_t));
    auto n = r.get<std::uint32_t>();
    for (std::uint32_t i = 0; i < n; ++i) {
        if (e.container_array_at(r.get<std::uint32_t>())) {
            return true;
        }
    }
    return false;
}

bool term_code::matches(const flat_event& e) const
{
    if (!_code) {
        return true;
    }
    reader r(_code.get());
    const std::byte* end = _code.get() + r.get<std::uint32_t>();
    r.skip(sizeof(std::uint32_t) * r.get<std::uint32_t>());
    while (r.position() < end) {
        const std::byte* record = r.position();
        auto record_size = r.get<std::uint32_t>();
        auto path = r.get<std::uint32_t>();
        bool accepts_absent = r.get<std::uint8_t>() != 0;
        auto count = r.get<std::uint16_t>();
        const std::byte* matchers = r.position();
        std::span<const flat_leaf> leaves = e.at(path);
        bool ok = leaves.empty() ? accepts_absent : false;
        for (const flat_leaf& leaf : leaves) {
            reader mr(matchers);
            for (std::uint16_t i = 0; i < count && !ok; ++i) {
                ok = accepts_record(mr, leaf.value);
            }
            if (ok) {
                break;
            }
        }
        if (!ok) {
            return false;
        }
        r = reader(record + record_size);
    }
    return true;
}

} // namespace sluice::pattern
