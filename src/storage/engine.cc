#include "storage/engine.h"
#include "storage/errc.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

namespace sluice::storage {

std::optional<durability> parse_durability(std::string_view text) {
    if (text == "fsync") {
        return durability::fsync;
    }
    if (text == "interval") {
        return durability::interval;
    }
    if (text == "none") {
        return durability::none;
    }
    return std::nullopt;
}

std::string_view to_string(durability d) {
    switch (d) {
    case durability::fsync:
        return "fsync";
    case durability::interval:
        return "interval";
    case durability::none:
        return "none";
    }
    return "unknown";
}

result<void> commit_blocking(engine& e, write_batch batch) {
    asio::io_context ctx;
    result<void> out = errc::closed;
    asio::co_spawn(
        ctx,
        [&]() -> asio::awaitable<void> { out = co_await e.commit(std::move(batch)); },
        [](std::exception_ptr ep) {
            if (ep) {
                std::rethrow_exception(ep);
            }
        });
    ctx.run();
    return out;
}

} // namespace sluice::storage
