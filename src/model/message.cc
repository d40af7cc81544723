#include "model/message.h"

#include <cstring>

namespace sluice::model {
namespace {

constexpr uint8_t format_version = 1;

void put_varint(std::string& out, uint64_t v) {
    while (v >= 0x80) {
        out.push_back(static_cast<char>((v & 0x7f) | 0x80));
        v >>= 7;
    }
    out.push_back(static_cast<char>(v));
}

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
    bool at_end() const { return _pos == _in.size(); }

private:
    std::string_view _in;
    size_t _pos = 0;
};

} // namespace

size_t message::size_bytes() const {
    size_t n = body.size() + id.size();
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
    put_bytes(out, m.body);
    return out;
}

std::optional<message> decode(std::string_view bytes) {
    if (bytes.empty() || static_cast<uint8_t>(bytes[0]) != format_version) {
        return std::nullopt;
    }
    reader r(bytes.substr(1));
    message m;
    auto id = r.bytes();
    auto when = r.varint();
    auto count = r.varint();
    if (!id || !when || !count || *count > bytes.size()) {
        return std::nullopt;
    }
    m.id = std::move(*id);
    m.publish_time = from_unix_ms(static_cast<int64_t>(*when));
    m.attributes.reserve(*count);
    for (uint64_t i = 0; i < *count; ++i) {
        auto k = r.bytes();
        auto v = r.bytes();
        if (!k || !v) {
            return std::nullopt;
        }
        m.attributes.emplace_back(std::move(*k), std::move(*v));
    }
    auto body = r.bytes();
    if (!body || !r.at_end()) {
        return std::nullopt;
    }
    m.body = std::move(*body);
    return m;
}

} // namespace sluice::model
