#include "broker/queue_manager.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

namespace sluice::broker {

std::shared_ptr<queue> queue_manager::find(const std::string& name) const {
    auto it = _queues.find(name);
    return it == _queues.end() ? nullptr : it->second;
}

std::shared_ptr<queue> queue_manager::add(queue_definition def) {
    auto name = def.name;
    auto q = std::make_shared<queue>(std::move(def), _ctx);
    _queues[name] = q;
    return q;
}

void queue_manager::start(asio::any_io_executor ex) {
    _executor = ex;
    for (auto& [_, q] : _queues) {
        asio::co_spawn(ex, queue::run_scheduler(q), asio::detached);
    }
}

void queue_manager::start_one(const std::shared_ptr<queue>& q) {
    if (_executor) {
        asio::co_spawn(*_executor, queue::run_scheduler(q), asio::detached);
    }
}

std::shared_ptr<queue> queue_manager::remove(const std::string& name) {
    auto it = _queues.find(name);
    if (it == _queues.end()) {
        return nullptr;
    }
    auto q = it->second;
    _queues.erase(it);
    q->close(true);
    return q;
}

std::vector<std::shared_ptr<queue>> queue_manager::all() const {
    std::vector<std::shared_ptr<queue>> out;
    out.reserve(_queues.size());
    for (auto& [_, q] : _queues) {
        out.push_back(q);
    }
    return out;
}

void queue_manager::close_all() {
    for (auto& [_, q] : _queues) {
        q->close(false);
    }
}

} // namespace sluice::broker
