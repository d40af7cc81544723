// The peer driver of bench/peers/run.sh: runs sluice bench's queue workloads (throughput,
// latency, backlog) against Redis (Streams + consumer group, hiredis) and NATS JetStream
// (work-queue stream + pull consumer, libnats), with the same message bodies (sequence number
// and intended send time, src/bench/message_body.h), the same latency histogram
// (src/bench/histogram.h) and the same self-checks (every message received exactly once).
// Prints one JSON object on stdout in the shape of `sluice bench --json` (the keys run.sh reads).
//
// Build (run.sh does it):
//   g++ -O2 -std=c++20 -I src bench/peers/peer_driver.cc src/bench/message_body.cc
//       -lhiredis -lnats -lpthread
// Usage: peer_driver redis|nats throughput|latency|backlog --port P [--count N] [--size B]
//        [--window W] [--batch B] [--rate R] [--producers P] [--server-pid PID]
#include "bench/histogram.h"
#include "bench/message_body.h"

#include <hiredis/hiredis.h>
#include <nats/nats.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <sys/prctl.h>

namespace {
using sluice::bench::latency_histogram;
using steady = std::chrono::steady_clock;

int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(steady::now().time_since_epoch()).count();
}

[[noreturn]] void die(const std::string& why) {
    std::fprintf(stderr, "peer_driver: %s\n", why.c_str());
    std::exit(2);
}

struct args {
    std::string system;
    std::string workload;
    int port = 0;
    uint64_t count = 0;
    size_t size = 1024;
    size_t window = 1000;
    size_t batch = 500;
    double rate = 0;
    size_t producers = 1;
    int server_pid = 0;
};

args parse_args(int argc, char** argv) {
    if (argc < 3) {
        die("usage: peer_driver redis|nats throughput|latency|backlog --port P [options]");
    }
    args a;
    a.system = argv[1];
    a.workload = argv[2];
    for (int i = 3; i + 1 < argc; i += 2) {
        std::string k = argv[i];
        const char* v = argv[i + 1];
        if (k == "--port") {
            a.port = std::atoi(v);
        } else if (k == "--count") {
            a.count = std::strtoull(v, nullptr, 10);
        } else if (k == "--size") {
            a.size = std::strtoull(v, nullptr, 10);
        } else if (k == "--window") {
            a.window = std::strtoull(v, nullptr, 10);
        } else if (k == "--batch") {
            a.batch = std::strtoull(v, nullptr, 10);
        } else if (k == "--rate") {
            a.rate = std::atof(v);
        } else if (k == "--producers") {
            a.producers = std::strtoull(v, nullptr, 10);
        } else if (k == "--server-pid") {
            a.server_pid = std::atoi(v);
        } else {
            die("unknown option " + k);
        }
    }
    if (a.count == 0) {
        a.count = a.workload == "latency" ? uint64_t(a.rate > 0 ? a.rate * 10 : 50'000)
                  : a.workload == "backlog" ? 1'000'000
                                            : 200'000;
    }
    if (a.workload == "latency" && a.rate <= 0) {
        a.rate = 5000;
    }
    if (a.workload == "latency" && a.producers == 1) {
        a.producers = 16;
    }
    return a;
}

/// Shared accounting of one run (all counters atomic; histograms under the mutex).
struct run_state {
    explicit run_state(uint64_t n)
      : published_seq(n)
      , seen(n) {}
    std::vector<std::atomic<uint8_t>> published_seq;
    std::vector<std::atomic<uint8_t>> seen;
    std::atomic<uint64_t> published{0}, received{0}, duplicates{0}, foreign{0}, errors{0};
    std::atomic<int64_t> last_publish_ns{0}, last_receive_ns{0};
    std::atomic<bool> producers_done{false};
    std::atomic<uint64_t> next{0};
    std::mutex mutex; // guards the histograms
    std::mutex error_mutex;
    latency_histogram publish_latency, e2e_latency;
    std::string first_error;

    void fail(const std::string& e) {
        errors++;
        std::lock_guard lock(error_mutex);
        if (first_error.empty()) {
            first_error = e;
        }
    }
    void note_published(uint64_t seq, int64_t intended, int64_t done) {
        if (seq < published_seq.size()) {
            published_seq[seq] = 1;
        }
        published++;
        publish_latency.record(uint64_t(std::max<int64_t>(0, done - intended)));
        auto cur = last_publish_ns.load();
        while (done > cur && !last_publish_ns.compare_exchange_weak(cur, done)) {
        }
    }
    /// Returns true for a first delivery.
    void note_received(std::string_view body, int64_t now, latency_histogram& e2e) {
        auto stamp = sluice::bench::parse_body(body);
        if (!stamp || stamp->seq >= seen.size()) {
            foreign++;
            return;
        }
        if (seen[stamp->seq].exchange(1) != 0) {
            duplicates++;
            return;
        }
        received++;
        e2e.record(uint64_t(std::max<int64_t>(0, now - int64_t(stamp->intended_ns))));
    }
    void note_receive_time(int64_t t) {
        auto cur = last_receive_ns.load();
        while (t > cur && !last_receive_ns.compare_exchange_weak(cur, t)) {
        }
    }
};

/// Peak RSS of the server process, sampled every 250 ms.
class rss_sampler {
public:
    explicit rss_sampler(int pid)
      : _pid(pid) {
        if (pid > 0) {
            _thread = std::thread([this] {
                while (!_stop) {
                    sample();
                    std::this_thread::sleep_for(std::chrono::milliseconds(250));
                }
            });
        }
    }
    ~rss_sampler() { stop(); }
    void stop() {
        _stop = true;
        if (_thread.joinable()) {
            _thread.join();
        }
        sample();
    }
    uint64_t peak() const { return _peak; }
    uint64_t reset() { return _peak.exchange(0); }

private:
    void sample() {
        if (_pid <= 0) {
            return;
        }
        std::ifstream in("/proc/" + std::to_string(_pid) + "/status");
        std::string line;
        while (std::getline(in, line)) {
            if (line.rfind("VmRSS:", 0) == 0) {
                uint64_t kb = std::strtoull(line.c_str() + 6, nullptr, 10);
                uint64_t b = kb * 1024;
                auto cur = _peak.load();
                while (b > cur && !_peak.compare_exchange_weak(cur, b)) {
                }
            }
        }
    }
    int _pid;
    std::atomic<bool> _stop{false};
    std::atomic<uint64_t> _peak{0};
    std::thread _thread;
};

std::string make_body(uint64_t seq, int64_t intended, size_t size) {
    std::string b;
    b.reserve(size);
    sluice::bench::append_body(b, {seq, uint64_t(intended)}, size);
    return b;
}

/// Due time of message k at a fixed rate (or 0 = unpaced).
struct pacer {
    int64_t start = 0;
    double period_ns = 0;
    int64_t due(uint64_t k) const { return start + int64_t(std::llround(double(k) * period_ns)); }
    void wait_until(int64_t t) const {
        auto d = t - now_ns();
        if (d > 0) {
            std::this_thread::sleep_for(std::chrono::nanoseconds(d));
        }
    }
};

// ---------------------------------------------------------------------------------------------
// Redis: XADD to a stream, XREADGROUP + XACK with a consumer group.

constexpr const char* redis_key = "bench";

redisContext* redis_connect(int port) {
    auto* c = redisConnect("127.0.0.1", port);
    if (c == nullptr || c->err) {
        die(std::string("redis connect: ") + (c ? c->errstr : "alloc"));
    }
    return c;
}

void redis_setup(int port) {
    auto* c = redis_connect(port);
    freeReplyObject(redisCommand(c, "DEL %s", redis_key));
    auto* r = static_cast<redisReply*>(redisCommand(c, "XGROUP CREATE %s g $ MKSTREAM", redis_key));
    if (r == nullptr || r->type == REDIS_REPLY_ERROR) {
        die(std::string("XGROUP CREATE: ") + (r ? r->str : c->errstr));
    }
    freeReplyObject(r);
    redisFree(c);
}

/// Pipelined XADD with at most `window` commands outstanding.
void redis_produce_window(const args& a, run_state& st) {
    auto* c = redis_connect(a.port);
    std::deque<std::pair<uint64_t, int64_t>> outstanding;
    auto read_one = [&] {
        void* reply = nullptr;
        if (redisGetReply(c, &reply) != REDIS_OK) {
            die(std::string("redis: ") + c->errstr);
        }
        auto* r = static_cast<redisReply*>(reply);
        auto [seq, sent] = outstanding.front();
        outstanding.pop_front();
        if (r->type == REDIS_REPLY_ERROR) {
            st.fail(std::string("XADD: ") + r->str);
        } else {
            std::lock_guard lock(st.mutex);
            st.note_published(seq, sent, now_ns());
        }
        freeReplyObject(r);
    };
    for (;;) {
        uint64_t seq = st.next.fetch_add(1);
        if (seq >= a.count) {
            break;
        }
        int64_t t = now_ns();
        auto body = make_body(seq, t, a.size);
        redisAppendCommand(c, "XADD %s * d %b", redis_key, body.data(), body.size());
        outstanding.emplace_back(seq, t);
        if (outstanding.size() >= a.window) {
            read_one();
        }
    }
    while (!outstanding.empty()) {
        read_one();
    }
    redisFree(c);
}

/// One XADD per message at the intended time of a fixed-rate schedule (several of these run).
void redis_produce_paced(const args& a, run_state& st, const pacer& p) {
    ::prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
    auto* c = redis_connect(a.port);
    for (;;) {
        uint64_t seq = st.next.fetch_add(1);
        if (seq >= a.count) {
            break;
        }
        auto due = p.due(seq);
        p.wait_until(due);
        auto body = make_body(seq, due, a.size);
        auto* r = static_cast<redisReply*>(
            redisCommand(c, "XADD %s * d %b", redis_key, body.data(), body.size()));
        if (r == nullptr) {
            die(std::string("redis: ") + c->errstr);
        }
        auto done = now_ns();
        if (r->type == REDIS_REPLY_ERROR) {
            st.fail(std::string("XADD: ") + r->str);
        } else {
            std::lock_guard lock(st.mutex);
            st.note_published(seq, due, done);
        }
        freeReplyObject(r);
    }
    redisFree(c);
}

void redis_consume(const args& a, run_state& st, int index) {
    auto* c = redis_connect(a.port);
    latency_histogram e2e;
    std::string consumer = "c" + std::to_string(index);
    std::string count = std::to_string(a.batch);
    while (!(st.producers_done && st.received + st.foreign >= st.published)) {
        const char* argv[] = {"XREADGROUP", "GROUP", "g", consumer.c_str(), "COUNT", count.c_str(),
                              "BLOCK",      "1000",  "STREAMS", redis_key, ">"};
        auto* r = static_cast<redisReply*>(redisCommandArgv(c, 11, argv, nullptr));
        if (r == nullptr) {
            die(std::string("redis: ") + c->errstr);
        }
        auto now = now_ns();
        std::vector<std::string> ids;
        if (r->type == REDIS_REPLY_ARRAY && r->elements > 0) {
            auto* entries = r->element[0]->element[1];
            for (size_t i = 0; i < entries->elements; ++i) {
                auto* e = entries->element[i];
                ids.emplace_back(e->element[0]->str, e->element[0]->len);
                auto* fields = e->element[1];
                if (fields->elements >= 2) {
                    st.note_received(std::string_view(fields->element[1]->str, fields->element[1]->len),
                                     now, e2e);
                }
            }
        } else if (r->type == REDIS_REPLY_ERROR) {
            st.fail(std::string("XREADGROUP: ") + r->str);
        }
        freeReplyObject(r);
        if (!ids.empty()) {
            st.note_receive_time(now);
            std::vector<const char*> av = {"XACK", redis_key, "g"};
            std::vector<size_t> al = {4, std::strlen(redis_key), 1};
            for (auto& id : ids) {
                av.push_back(id.c_str());
                al.push_back(id.size());
            }
            auto* ack = static_cast<redisReply*>(redisCommandArgv(c, int(av.size()), av.data(), al.data()));
            if (ack == nullptr || ack->type != REDIS_REPLY_INTEGER || size_t(ack->integer) != ids.size()) {
                st.fail("XACK did not ack every id");
            }
            freeReplyObject(ack);
        }
    }
    std::lock_guard lock(st.mutex);
    st.e2e_latency.merge(e2e);
    redisFree(c);
}

// ---------------------------------------------------------------------------------------------
// NATS JetStream: a work-queue stream (acked messages are removed), async publish with a
// bounded number of pending acks, a durable pull consumer fetching batches and acking each
// message (a work-queue stream requires explicit acks; natsMsg_Ack does not wait for a reply).

constexpr const char* nats_stream = "BENCH";
constexpr const char* nats_subject = "bench.q";

struct nats_conn {
    natsConnection* nc = nullptr;
    jsCtx* js = nullptr;
    ~nats_conn() {
        if (js) {
            jsCtx_Destroy(js);
        }
        if (nc) {
            natsConnection_Destroy(nc);
        }
    }
};

void nats_check(natsStatus s, const char* what) {
    if (s != NATS_OK) {
        die(std::string(what) + ": " + natsStatus_GetText(s) + " " + nats_GetLastError(nullptr));
    }
}

std::unique_ptr<nats_conn> nats_connect(int port, jsOptions* jo) {
    auto c = std::make_unique<nats_conn>();
    std::string url = "nats://127.0.0.1:" + std::to_string(port);
    nats_check(natsConnection_ConnectTo(&c->nc, url.c_str()), "nats connect");
    nats_check(natsConnection_JetStream(&c->js, c->nc, jo), "jetstream");
    return c;
}

void nats_setup(int port) {
    auto c = nats_connect(port, nullptr);
    jsErrCode jerr = jsErrCode(0);
    js_DeleteStream(c->js, nats_stream, nullptr, &jerr);
    jsStreamConfig cfg;
    jsStreamConfig_Init(&cfg);
    cfg.Name = nats_stream;
    const char* subjects[] = {nats_subject};
    cfg.Subjects = subjects;
    cfg.SubjectsLen = 1;
    cfg.Storage = js_FileStorage;
    cfg.Retention = js_WorkQueuePolicy;
    jsStreamInfo* si = nullptr;
    nats_check(js_AddStream(&si, c->js, &cfg, nullptr, &jerr), "add stream");
    jsStreamInfo_Destroy(si);
}

void nats_ack_handler(jsCtx*, natsMsg* msg, jsPubAck* pa, jsPubAckErr* pae, void* closure) {
    auto& st = *static_cast<run_state*>(closure);
    auto done = now_ns();
    std::string_view body(natsMsg_GetData(msg), size_t(natsMsg_GetDataLength(msg)));
    auto stamp = sluice::bench::parse_body(body);
    if (pa != nullptr && stamp) {
        std::lock_guard lock(st.mutex);
        st.note_published(stamp->seq, int64_t(stamp->intended_ns), done);
    } else {
        st.fail(std::string("publish: ") + (pae && pae->ErrText ? pae->ErrText : "no ack"));
    }
    natsMsg_Destroy(msg);
}

void nats_produce_window(const args& a, run_state& st) {
    jsOptions jo;
    jsOptions_Init(&jo);
    jo.PublishAsync.MaxPending = int64_t(a.window);
    jo.PublishAsync.AckHandler = nats_ack_handler;
    jo.PublishAsync.AckHandlerClosure = &st;
    auto c = nats_connect(a.port, &jo);
    for (;;) {
        uint64_t seq = st.next.fetch_add(1);
        if (seq >= a.count) {
            break;
        }
        auto body = make_body(seq, now_ns(), a.size);
        nats_check(js_PublishAsync(c->js, nats_subject, body.data(), int(body.size()), nullptr),
                   "publish async");
    }
    jsPubOptions po;
    jsPubOptions_Init(&po);
    po.MaxWait = 600'000;
    nats_check(js_PublishAsyncComplete(c->js, &po), "publish complete");
}

void nats_produce_paced(const args& a, run_state& st, const pacer& p) {
    ::prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
    auto c = nats_connect(a.port, nullptr);
    for (;;) {
        uint64_t seq = st.next.fetch_add(1);
        if (seq >= a.count) {
            break;
        }
        auto due = p.due(seq);
        p.wait_until(due);
        auto body = make_body(seq, due, a.size);
        jsErrCode jerr = jsErrCode(0);
        auto s = js_Publish(nullptr, c->js, nats_subject, body.data(), int(body.size()), nullptr, &jerr);
        auto done = now_ns();
        if (s != NATS_OK) {
            st.fail(std::string("publish: ") + natsStatus_GetText(s));
        } else {
            std::lock_guard lock(st.mutex);
            st.note_published(seq, due, done);
        }
    }
}

void nats_consume(const args& a, run_state& st) {
    auto c = nats_connect(a.port, nullptr);
    jsSubOptions so;
    jsSubOptions_Init(&so);
    so.Config.AckPolicy = js_AckExplicit;
    so.Config.MaxAckPending = int64_t(a.batch) * 4;
    natsSubscription* sub = nullptr;
    jsErrCode jerr = jsErrCode(0);
    nats_check(js_PullSubscribe(&sub, c->js, nats_subject, "bench", nullptr, &so, &jerr), "pull subscribe");
    latency_histogram e2e;
    while (!(st.producers_done && st.received + st.foreign >= st.published)) {
        natsMsgList list{};
        auto s = natsSubscription_Fetch(&list, sub, int(a.batch), 1000, &jerr);
        if (s == NATS_TIMEOUT) {
            continue;
        }
        if (s != NATS_OK) {
            st.fail(std::string("fetch: ") + natsStatus_GetText(s));
            continue;
        }
        auto now = now_ns();
        for (int i = 0; i < list.Count; ++i) {
            std::string_view body(natsMsg_GetData(list.Msgs[i]), size_t(natsMsg_GetDataLength(list.Msgs[i])));
            st.note_received(body, now, e2e);
            if (natsMsg_Ack(list.Msgs[i], nullptr) != NATS_OK) {
                st.fail("ack failed");
            }
        }
        if (list.Count > 0) {
            st.note_receive_time(now);
        }
        natsMsgList_Destroy(&list);
    }
    natsSubscription_Unsubscribe(sub); // drop the durable consumer
    natsSubscription_Destroy(sub);
    std::lock_guard lock(st.mutex);
    st.e2e_latency.merge(e2e);
}

// ---------------------------------------------------------------------------------------------

std::string latency_json(const latency_histogram& h) {
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  R"({"count":%)" PRIu64 R"(,"p50_ms":%.4f,"p90_ms":%.4f,"p99_ms":%.4f,"p999_ms":%.4f,"max_ms":%.4f})",
                  h.count(), h.percentile(0.5) / 1e6, h.percentile(0.9) / 1e6, h.percentile(0.99) / 1e6,
                  h.percentile(0.999) / 1e6, double(h.max()) / 1e6);
    return buf;
}

} // namespace

int main(int argc, char** argv) {
    auto a = parse_args(argc, argv);
    const bool redis = a.system == "redis";
    if (!redis && a.system != "nats") {
        die("system must be redis or nats");
    }
    if (redis) {
        redis_setup(a.port);
    } else {
        nats_setup(a.port);
    }
    run_state st(a.count);
    rss_sampler rss(a.server_pid);

    auto start_consumers = [&] {
        std::vector<std::thread> t;
        t.emplace_back([&] { redis ? redis_consume(a, st, 0) : nats_consume(a, st); });
        return t;
    };
    auto start_producers = [&](int64_t start) {
        std::vector<std::thread> t;
        if (a.rate > 0) {
            pacer p{start, 1e9 / a.rate};
            for (size_t i = 0; i < a.producers; ++i) {
                t.emplace_back([&, p] { redis ? redis_produce_paced(a, st, p) : nats_produce_paced(a, st, p); });
            }
        } else {
            t.emplace_back([&] { redis ? redis_produce_window(a, st) : nats_produce_window(a, st); });
        }
        return t;
    };
    auto join = [](std::vector<std::thread>& ts) {
        for (auto& t : ts) {
            t.join();
        }
    };

    int64_t publish_start = now_ns();
    int64_t consume_start = publish_start;
    uint64_t peak_publish = 0;
    if (a.workload == "backlog") {
        auto producers = start_producers(publish_start);
        join(producers);
        st.producers_done = true;
        peak_publish = rss.reset();
        consume_start = now_ns();
        auto consumers = start_consumers();
        join(consumers);
    } else {
        auto consumers = start_consumers();
        auto producers = start_producers(publish_start);
        join(producers);
        st.producers_done = true;
        join(consumers);
    }
    rss.stop();

    uint64_t missing = 0;
    for (uint64_t i = 0; i < a.count; ++i) {
        if (st.published_seq[i] && !st.seen[i]) {
            ++missing;
        }
    }
    bool ok = st.errors == 0 && missing == 0 && st.duplicates == 0 && st.foreign == 0
              && st.published == a.count && st.received == a.count;
    double pub_s = double(st.last_publish_ns - publish_start) / 1e9;
    double con_s = double(st.last_receive_ns - consume_start) / 1e9;
    std::printf(
        R"({"system":"%s","workload":"%s","ok":%s,"error":"%s","phases":{"publish":{"messages":%)" PRIu64
        R"(,"seconds":%.3f,"rate":%.1f},"consume":{"messages":%)" PRIu64
        R"(,"seconds":%.3f,"rate":%.1f}},"latency":{"publish":%s,"end_to_end":%s},)"
        R"("counters":{"duplicates":%)" PRIu64 R"(,"missing":%)" PRIu64 R"(,"foreign":%)" PRIu64
        R"(},"server_footprint":{"pid":%d,"peak_rss_bytes":%)" PRIu64 R"(,"peak_rss_publish_bytes":%)" PRIu64 "}}\n",
        a.system.c_str(), a.workload.c_str(), ok ? "true" : "false", st.first_error.c_str(),
        st.published.load(), pub_s, pub_s > 0 ? double(st.published) / pub_s : 0.0, st.received.load(), con_s,
        con_s > 0 ? double(st.received) / con_s : 0.0, latency_json(st.publish_latency).c_str(),
        latency_json(st.e2e_latency).c_str(), st.duplicates.load(), missing, st.foreign.load(), a.server_pid,
        std::max(rss.peak(), peak_publish), peak_publish);
    if (!redis) {
        nats_Close();
    }
    return ok ? 0 : 1;
}
