#include "functions/runtime_api.h"

namespace sluice::functions::runtime_api {

request_target parse(std::string_view method, std::string_view target) {
    if (auto q = target.find('?'); q != std::string_view::npos) {
        target = target.substr(0, q);
    }
    request_target out;
    if (target.substr(0, prefix.size()) != prefix) {
        return out;
    }
    auto rest = target.substr(prefix.size());
    auto want = [&](std::string_view m, route r) {
        out.kind = method == m ? r : route::bad_method;
        return out;
    };
    if (rest == "invocation/next") {
        return want("GET", route::next);
    }
    if (rest == "init/error") {
        return want("POST", route::init_error);
    }
    constexpr std::string_view inv = "invocation/";
    if (rest.substr(0, inv.size()) == inv) {
        rest.remove_prefix(inv.size());
        auto slash = rest.find('/');
        if (slash == std::string_view::npos || slash == 0) {
            return out;
        }
        auto id = rest.substr(0, slash);
        auto what = rest.substr(slash + 1);
        if (what == "response" || what == "error") {
            out.request_id = std::string(id);
            return want("POST", what == "response" ? route::response : route::error);
        }
    }
    return out;
}

fsm::next_action fsm::on_next(bool& first) {
    first = false;
    switch (_state) {
    case state::failed:
        return next_action::refuse;
    case state::initializing:
        first = true;
        _state = state::ready;
        _parked = true;
        return next_action::park;
    case state::ready:
        _parked = true;
        return next_action::park;
    case state::busy:
        // Delivered or not: Lambda's workers never ask twice, so a second `next` is a retry
        // after a lost connection, and it gets the same invocation again.
        return next_action::deliver;
    }
    return next_action::refuse;
}

bool fsm::assign(std::string request_id) {
    _state = state::busy;
    _current = std::move(request_id);
    _delivered = false;
    return _parked;
}

fsm::result_action fsm::on_result(std::string_view request_id) {
    if (_state != state::busy || request_id != _current) {
        return result_action::unknown;
    }
    _state = state::ready;
    _current.clear();
    _delivered = false;
    return result_action::complete;
}

bool fsm::on_init_error() {
    if (_state != state::initializing) {
        return false;
    }
    _state = state::failed;
    return true;
}

} // namespace sluice::functions::runtime_api
