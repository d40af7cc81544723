#include "model/message.h"

#include "base/stored_time.h"

#include <cstring>

namespace sluice::model {
namespace {

constexpr uint8_t format_v1 = 1;
constexpr uint8_t format_version = 2; // v2 adds group, dedup id, deliver_at

enum : uint8_t { has_group = 1, has_dedup = 2, has_deliver_at = 4 };

void put_varint(std::string& out, uint64_t v) {
    while (v >= 0x80) {
        out.push_back(static_cast<char>((v & 0x7f) | 0x80));
        v >>= 7;
    }
    out.push_back(static_cast<char>(v));
}

size_t varint_size(uint64_t v) {
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        ++n;
    }
    return n;
}

size_t bytes_size(std::string_view s) { return varint_size(s.size()) + s.size(); }

void put_bytes(std::string& out, std::string_view s) {
    put_varint(out, s.size());
    out.append(s);
}

class reader {
public:
    explicit reader(std::string_view in)
      : _in(in) {}
    std::optional<uint64_t> varint() {
        uint64_t v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (_pos >= _in.size()) {
                return std::nullopt;
            }
            auto b = static_cast<uint8_t>(_in[_pos++]);
            v |= uint64_t(b & 0x7f) << shift;
            if (!(b & 0x80)) {
                return v;
            }
        }
        return std::nullopt;
    }
    std::optional<std::string> bytes() {
        auto n = varint();
        if (!n || *n > _in.size() - _pos) {
            return std::nullopt;
        }
        std::string s(_in.substr(_pos, *n));
        _pos += *n;
        return s;
    }
    std::optional<uint8_t> byte() {
        if (_pos >= _in.size()) {
            return std::nullopt;
        }
        return static_cast<uint8_t>(_in[_pos++]);
    }
    bool at_end() const { return _pos == _in.size(); }

private:
    std::string_view _in;
    size_t _pos = 0;
};

} // namespace

size_t message::size_bytes() const {
    size_t n = body.size() + id.size() + group.size() + dedup_id.size();
    for (auto& [k, v] : attributes) {
        n += k.size() + v.size();
    }
    return n;
}

std::string encode(const message& m) {
    std::string out;
    out.reserve(m.size_bytes() + 16 + 2 * m.attributes.size());
    out.push_back(static_cast<char>(format_version));
    put_bytes(out, m.id);
    put_varint(out, static_cast<uint64_t>(to_unix_ms(m.publish_time)));
    put_varint(out, m.attributes.size());
    for (auto& [k, v] : m.attributes) {
        put_bytes(out, k);
        put_bytes(out, v);
    }
    uint8_t flags = (m.group.empty() ? 0 : has_group) | (m.dedup_id.empty() ? 0 : has_dedup)
                    | (m.deliver_at ? has_deliver_at : 0);
    out.push_back(static_cast<char>(flags));
    if (flags & has_group) {
        put_bytes(out, m.group);
    }
    if (flags & has_dedup) {
        put_bytes(out, m.dedup_id);
    }
    if (flags & has_deliver_at) {
        put_varint(out, static_cast<uint64_t>(to_unix_ms(*m.deliver_at)));
    }
    put_bytes(out, m.body);
    return out;
}

size_t encoded_size(const message& m) {
    size_t n = 1 + bytes_size(m.id) + varint_size(static_cast<uint64_t>(to_unix_ms(m.publish_time)))
               + varint_size(m.attributes.size()) + 1 + bytes_size(m.body);
    for (auto& [k, v] : m.attributes) {
        n += bytes_size(k) + bytes_size(v);
    }
    if (!m.group.empty()) {
        n += bytes_size(m.group);
    }
    if (!m.dedup_id.empty()) {
        n += bytes_size(m.dedup_id);
    }
    if (m.deliver_at) {
        n += varint_size(static_cast<uint64_t>(to_unix_ms(*m.deliver_at)));
    }
    return n;
}

namespace {

/// A stored time (Unix ms as a varint) back to a timestamp; nullopt when it is outside what a
/// timestamp holds (a corrupt record: found by fuzz/message_codec_fuzzer).
std::optional<timestamp> stored_time(uint64_t raw) { return stored_unix_ms(static_cast<int64_t>(raw)); }

} // namespace

std::optional<message> decode(std::string_view bytes) {
    if (bytes.empty()) {
        return std::nullopt;
    }
    auto version = static_cast<uint8_t>(bytes[0]);
    if (version != format_v1 && version != format_version) {
        return std::nullopt;
    }
    reader r(bytes.substr(1));
    message m;
    auto id = r.bytes();
    auto when = r.varint();
    auto count = r.varint();
    auto publish_time = when ? stored_time(*when) : std::nullopt;
    if (!id || !publish_time || !count || *count > bytes.size()) {
        return std::nullopt;
    }
    m.id = std::move(*id);
    m.publish_time = *publish_time;
    m.attributes.reserve(*count);
    for (uint64_t i = 0; i < *count; ++i) {
        auto k = r.bytes();
        auto v = r.bytes();
        if (!k || !v) {
            return std::nullopt;
        }
        m.attributes.emplace_back(std::move(*k), std::move(*v));
    }
    if (version >= 2) {
        auto flags = r.byte();
        if (!flags || (*flags & ~(has_group | has_dedup | has_deliver_at))) {
            return std::nullopt;
        }
        if (*flags & has_group) {
            auto g = r.bytes();
            if (!g) {
                return std::nullopt;
            }
            m.group = std::move(*g);
        }
        if (*flags & has_dedup) {
            auto d = r.bytes();
            if (!d) {
                return std::nullopt;
            }
            m.dedup_id = std::move(*d);
        }
        if (*flags & has_deliver_at) {
            auto t = r.varint();
            auto at = t ? stored_time(*t) : std::nullopt;
            if (!at) {
                return std::nullopt;
            }
            m.deliver_at = *at;
        }
    }
    auto body = r.bytes();
    if (!body || !r.at_end()) {
        return std::nullopt;
    }
    m.body = std::move(*body);
    return m;
}

} // namespace sluice::model
