#pragma once

#include "broker/queue.h"

#include <boost/asio/any_io_executor.hpp>

#include <map>
#include <optional>
#include <memory>
#include <string>

namespace sluice::broker {

/// The queues owned by one shard, by name. Lives on that shard; not thread-safe. The
/// queue_frontend routes each request here through shard_set::invoke_on.
class queue_manager {
public:
    explicit queue_manager(queue_context ctx)
      : _ctx(ctx) {}

    std::shared_ptr<queue> find(const std::string& name) const;
    /// Adds a queue object (creation is persisted by the frontend before this).
    std::shared_ptr<queue> add(queue_definition def);
    /// Starts the schedulers of every queue (after recovery), and of queues added later.
    void start(asio::any_io_executor ex);
    void start_one(const std::shared_ptr<queue>& q);
    /// Removes it from the map and closes it (waiting receives return QueueNotFound).
    std::shared_ptr<queue> remove(const std::string& name);
    std::vector<std::shared_ptr<queue>> all() const;

    /// Closes every queue (shutdown): waiting receives return at once.
    void close_all();

    const queue_context& context() const { return _ctx; }

private:
    queue_context _ctx;
    std::optional<asio::any_io_executor> _executor;
    std::map<std::string, std::shared_ptr<queue>, std::less<>> _queues;
};

} // namespace sluice::broker
