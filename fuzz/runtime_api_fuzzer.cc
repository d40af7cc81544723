// libFuzzer target: the server side of the Lambda Runtime API (functions/runtime_api.h) — the
// route parser that sees every worker request's method and target, and the per-instance state
// machine that the handlers in functions/instance.cc drive.
//
// Input: byte 0 picks the method, then the target up to the first '\n', then one byte per
// protocol event. Properties: nothing crashes; a parsed invocation route names a non-empty id
// without '/' and prints back to the same path; the state machine keeps its invariants (busy
// exactly when it holds an invocation, a failed instance stays failed and refuses `next`, a
// result completes only the current invocation, init/error only before the first `next`).
#include "fuzz_check.h"
#include "functions/runtime_api.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

using namespace sluice::functions::runtime_api;

void check_route(std::string_view method, std::string_view target) {
    auto t = parse(method, target);
    auto path = target.substr(0, target.find('?'));
    switch (t.kind) {
    case route::response:
    case route::error: {
        FUZZ_CHECK(method == "POST");
        FUZZ_CHECK(!t.request_id.empty() && t.request_id.find('/') == std::string::npos);
        std::string back = std::string(prefix) + "invocation/" + t.request_id +
                           (t.kind == route::response ? "/response" : "/error");
        FUZZ_CHECK(back == path);
        break;
    }
    case route::next:
        FUZZ_CHECK(method == "GET" && path == std::string(prefix) + "invocation/next");
        break;
    case route::init_error:
        FUZZ_CHECK(method == "POST" && path == std::string(prefix) + "init/error");
        break;
    case route::bad_method:
        FUZZ_CHECK(path.substr(0, prefix.size()) == prefix);
        break;
    case route::unknown:
        FUZZ_CHECK(t.request_id.empty());
        break;
    }
}

void check_invariants(const fsm& m) {
    FUZZ_CHECK((m.current() == fsm::state::busy) == !m.current_id().empty());
    FUZZ_CHECK(m.is_available() == (m.current() == fsm::state::ready));
}

void run_events(std::string_view events) {
    fsm m;
    bool initialised = false;
    uint64_t next_id = 0;
    for (unsigned char e : events) {
        auto before = m.current();
        switch (e % 6) {
        case 0: { // GET next
            bool first = false;
            auto a = m.on_next(first);
            FUZZ_CHECK(!first || !initialised);
            initialised = initialised || first;
            if (before == fsm::state::failed) {
                FUZZ_CHECK(a == fsm::next_action::refuse);
            } else if (before == fsm::state::busy) {
                FUZZ_CHECK(a == fsm::next_action::deliver);
            } else {
                FUZZ_CHECK(a == fsm::next_action::park && m.is_parked());
            }
            break;
        }
        case 1: // the dispatcher hands over an invocation, when it may
            if (m.is_available()) {
                bool parked = m.is_parked();
                FUZZ_CHECK(m.assign("req-" + std::to_string(++next_id)) == parked);
                FUZZ_CHECK(m.current() == fsm::state::busy);
            }
            break;
        case 2: { // POST response/error for the current invocation
            std::string id = m.current_id();
            auto r = m.on_result(id);
            FUZZ_CHECK((r == fsm::result_action::complete) == (before == fsm::state::busy));
            if (r == fsm::result_action::complete) {
                FUZZ_CHECK(m.current() == fsm::state::ready);
            }
            break;
        }
        case 3: { // POST response/error naming another invocation
            std::string id = m.current_id();
            FUZZ_CHECK(m.on_result(id + "x") == fsm::result_action::unknown);
            FUZZ_CHECK(m.current() == before && m.current_id() == id);
            break;
        }
        case 4: // POST init/error
            FUZZ_CHECK(m.on_init_error() == (before == fsm::state::initializing));
            break;
        case 5: // the parked connection is answered or goes away
            if (m.is_parked()) {
                if (before == fsm::state::busy) {
                    m.delivered();
                } else {
                    m.unpark();
                }
                FUZZ_CHECK(!m.is_parked() && m.current() == before);
            }
            break;
        }
        if (before == fsm::state::failed) {
            FUZZ_CHECK(m.current() == fsm::state::failed);
        }
        check_invariants(m);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    static constexpr std::string_view methods[] = {"GET", "POST", "PUT", "get", ""};
    auto method = methods[data[0] % std::size(methods)];
    std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
    auto nl = rest.find('\n');
    check_route(method, rest.substr(0, nl));
    run_events(nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1));
    return 0;
}
