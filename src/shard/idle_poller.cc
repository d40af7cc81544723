#include "shard/idle_poller.h"

#include <algorithm>

namespace sluice::shard {

void idle_poller::yielded(clock::time_point before, clock::time_point after) {
    if (after - before <= _o.contended_yield) {
        return;
    }
    // Still contended if this comes within the previous back-off's probe: the shard blocked
    // for _back_off, then its first polls (a window at most) found the core busy again.
    bool persists = _last_contended && after - *_last_contended <= 2 * _back_off + _o.window;
    _back_off = persists ? std::min(2 * _back_off, _o.max_back_off) : _o.first_back_off;
    _last_contended = after;
    _blocked_until = after + _back_off;
}

} // namespace sluice::shard
