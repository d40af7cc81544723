#include "broker/queue_manager.h"

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
