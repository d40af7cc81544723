#include "functions/runtime_api.h"

#include <gtest/gtest.h>

namespace sluice::functions::runtime_api {
namespace {

TEST(RuntimeApiParse, RoutesAndIds) {
    EXPECT_EQ(parse("GET", "/2018-06-01/runtime/invocation/next").kind, route::next);
    auto r = parse("POST", "/2018-06-01/runtime/invocation/abc-123/response");
    EXPECT_EQ(r.kind, route::response);
    EXPECT_EQ(r.request_id, "abc-123");
    r = parse("POST", "/2018-06-01/runtime/invocation/abc-123/error");
    EXPECT_EQ(r.kind, route::error);
    EXPECT_EQ(r.request_id, "abc-123");
    EXPECT_EQ(parse("POST", "/2018-06-01/runtime/init/error").kind, route::init_error);
    EXPECT_EQ(parse("GET", "/2018-06-01/runtime/invocation/next?x=1").kind, route::next);
}

TEST(RuntimeApiParse, UnknownAndWrongMethod) {
    EXPECT_EQ(parse("POST", "/2018-06-01/runtime/invocation/next").kind, route::bad_method);
    EXPECT_EQ(parse("GET", "/2018-06-01/runtime/invocation/x/response").kind, route::bad_method);
    EXPECT_EQ(parse("GET", "/2019-01-01/runtime/invocation/next").kind, route::unknown);
    EXPECT_EQ(parse("POST", "/2018-06-01/runtime/invocation//response").kind, route::unknown);
    EXPECT_EQ(parse("POST", "/2018-06-01/runtime/invocation/x/other").kind, route::unknown);
}

TEST(RuntimeApiFsm, FirstNextEndsInitAndParks) {
    fsm m;
    EXPECT_EQ(m.current(), fsm::state::initializing);
    EXPECT_FALSE(m.is_available());
    bool first = false;
    EXPECT_EQ(m.on_next(first), fsm::next_action::park);
    EXPECT_TRUE(first);
    EXPECT_TRUE(m.is_available());
    EXPECT_TRUE(m.is_parked());
}

TEST(RuntimeApiFsm, AssignWakesParkedNextThenResponseFreesIt) {
    fsm m;
    bool first;
    m.on_next(first);
    EXPECT_TRUE(m.assign("r1"));
    m.delivered();
    EXPECT_EQ(m.current(), fsm::state::busy);
    EXPECT_FALSE(m.is_available());
    EXPECT_EQ(m.on_result("other"), fsm::result_action::unknown);
    EXPECT_EQ(m.on_result("r1"), fsm::result_action::complete);
    EXPECT_TRUE(m.is_available());
    EXPECT_FALSE(m.is_parked());
    EXPECT_EQ(m.on_result("r1"), fsm::result_action::unknown); // answered twice
}

TEST(RuntimeApiFsm, AssignBeforeNextIsDeliveredOnNext) {
    fsm m;
    bool first;
    m.on_next(first);
    m.assign("r1");
    m.delivered();
    m.on_result("r1");
    EXPECT_FALSE(m.assign("r2")); // the worker has not asked yet
    EXPECT_EQ(m.on_next(first), fsm::next_action::deliver);
    EXPECT_FALSE(first);
}

TEST(RuntimeApiFsm, InitErrorOnlyBeforeInit) {
    fsm m;
    EXPECT_TRUE(m.on_init_error());
    EXPECT_EQ(m.current(), fsm::state::failed);
    bool first;
    EXPECT_EQ(m.on_next(first), fsm::next_action::refuse);
    fsm n;
    n.on_next(first);
    EXPECT_FALSE(n.on_init_error());
}

} // namespace
} // namespace sluice::functions::runtime_api
