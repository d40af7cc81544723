#include "broker/keys.h"

namespace sluice::broker::keys {

void put_u32(std::string& out, uint32_t v) {
    char b[4];
    for (int i = 3; i >= 0; --i, v >>= 8) {
        b[i] = static_cast<char>(v & 0xff);
    }
    out.append(b, sizeof b);
}

void put_u64(std::string& out, uint64_t v) {
    char b[8];
    for (int i = 7; i >= 0; --i, v >>= 8) {
        b[i] = static_cast<char>(v & 0xff);
    }
    out.append(b, sizeof b);
}

uint32_t get_u32(std::string_view in) {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
        v = (v << 8) | static_cast<uint8_t>(in[i]);
    }
    return v;
}

uint64_t get_u64(std::string_view in) {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) {
        v = (v << 8) | static_cast<uint8_t>(in[i]);
    }
    return v;
}

std::string log_key(uint32_t topic, uint32_t partition, uint64_t offset) {
    std::string k;
    k.reserve(16);
    put_u32(k, topic);
    put_u32(k, partition);
    put_u64(k, offset);
    return k;
}

std::string state_prefix(uint32_t topic, uint32_t partition, state_kind kind) {
    std::string k;
    k.reserve(9);
    put_u32(k, topic);
    put_u32(k, partition);
    k.push_back(static_cast<char>(kind));
    return k;
}

std::string prefix_end(std::string prefix) {
    // Increment the last byte that is not 0xff and drop what follows it.
    while (!prefix.empty() && static_cast<uint8_t>(prefix.back()) == 0xff) {
        prefix.pop_back();
    }
    if (!prefix.empty()) {
        prefix.back() = static_cast<char>(static_cast<uint8_t>(prefix.back()) + 1);
    }
    return prefix;
}

std::string log_end(uint32_t topic, uint32_t partition) {
    std::string k;
    put_u32(k, topic);
    put_u32(k, partition);
    k.push_back('\xff'); // longer than any 16-byte key with this prefix and > its offset bytes
    k.append(8, '\xff');
    return k;
}

std::string topic_begin(uint32_t topic) {
    std::string k;
    put_u32(k, topic);
    return k;
}

std::string topic_end(uint32_t topic) {
    if (topic == UINT32_MAX) {
        return std::string(32, '\xff'); // past every key: no key is this long and this high
    }
    return topic_begin(topic + 1);
}

std::optional<log_position> parse_log_key(std::string_view key) {
    if (key.size() != 16) {
        return std::nullopt;
    }
    return log_position{get_u32(key), get_u32(key.substr(4)), get_u64(key.substr(8))};
}

std::string topic_meta(std::string_view name) {
    std::string k(topic_prefix);
    k.append(name);
    return k;
}

std::string subscription_meta(std::string_view topic, std::string_view name) {
    std::string k(subscription_prefix);
    k.append(topic).append("/").append(name);
    return k;
}

std::string consumer_meta(std::string_view topic, std::string_view sub, std::string_view consumer) {
    std::string k(consumer_prefix);
    k.append(topic).append("/").append(sub).append("/").append(consumer);
    return k;
}

std::string queue_meta(std::string_view name) {
    std::string k(queue_prefix);
    k.append(name);
    return k;
}

} // namespace sluice::broker::keys
