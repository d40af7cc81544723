// The matcher (index + candidate checks) must give the same answer as evaluating each pattern
// alone on the event tree, for random rule sets and random events, across adds and removes.
#include "pattern/compiler.h"
#include "pattern/event.h"
#include "pattern/matcher.h"
#include "random_patterns.h"

#include <gtest/gtest.h>
#include <map>

namespace sluice::pattern {
namespace {

class differential
{
public:
    explicit differential(unsigned seed)
      : _gen(seed)
      , _rng(seed)
    {
    }

    void add_rules(int n)
    {
        for (int i = 0; i < n; ++i) {
            std::string text = _gen.pattern();
            auto compiled = compile(text);
            if (!compiled) {
                ++_rejected; // e.g. an empty numeric range drawn at random
                continue;
            }
            rule_id id{ _next_id++ };
            ASSERT_TRUE(_matcher.add(id, *compiled).has_value());
            _rules.emplace(id(), std::make_pair(text, std::move(*compiled)));
        }
    }

    void remove_fraction(double p)
    {
        std::bernoulli_distribution coin(p);
        for (auto it = _rules.begin(); it != _rules.end();) {
            if (coin(_rng)) {
                ASSERT_TRUE(_matcher.remove(rule_id{ it->first }).has_value());
                it = _rules.erase(it);
            } else {
                ++it;
            }
        }
    }

    void check_events(int n)
    {
        for (int i = 0; i < n; ++i) {
            std::string ev = _gen.event();
            ASSERT_TRUE(_reader.parse(ev).has_value()) << ev;
            std::vector<std::uint64_t> want;
            for (const auto& [id, rule] : _rules) {
                if (_reader.pattern_matches(rule.second)) {
                    want.push_back(id);
                }
            }
            auto got = _matcher.match(ev);
            ASSERT_TRUE(got.has_value());
            std::vector<std::uint64_t> got_ids;
            for (rule_id id : *got) {
                got_ids.push_back(id());
            }
            if (got_ids != want) {
                report(ev, want, got_ids);
                FAIL();
            }
            _matched += want.size();
            ++_events;
        }
    }

    std::size_t matched() const { return _matched; }
    std::size_t events() const { return _events; }
    std::size_t rejected() const { return _rejected; }
    std::size_t rules() const { return _rules.size(); }

private:
    void report(
      const std::string& ev,
      const std::vector<std::uint64_t>& want,
      const std::vector<std::uint64_t>& got)
    {
        ADD_FAILURE() << "event " << ev;
        std::vector<std::uint64_t> diff;
        std::set_symmetric_difference(
          want.begin(), want.end(), got.begin(), got.end(), std::back_inserter(diff));
        for (auto id : diff) {
            bool expected = std::binary_search(want.begin(), want.end(), id);
            ADD_FAILURE() << "rule " << id << " " << _rules.at(id).first << " expected "
                          << expected;
        }
    }

    test::random_patterns _gen;
    std::mt19937 _rng;
    matcher _matcher;
    event_reader _reader;
    std::map<std::uint64_t, std::pair<std::string, compiled_pattern>> _rules;
    std::uint64_t _next_id = 1;
    std::size_t _matched = 0;
    std::size_t _events = 0;
    std::size_t _rejected = 0;
};

class Differential : public testing::TestWithParam<unsigned>
{};

TEST_P(Differential, MatcherAgreesWithSinglePatternEvaluation)
{
    differential d(GetParam());
    d.add_rules(300);
    d.check_events(600);
    d.remove_fraction(0.5);
    d.check_events(300);
    d.add_rules(300);
    d.check_events(600);
    d.remove_fraction(0.9);
    d.check_events(200);
    // Matches must actually happen, or the comparison says little.
    EXPECT_GT(d.matched(), d.events());
    EXPECT_LT(d.rejected(), 100u);
}

INSTANTIATE_TEST_SUITE_P(Seeds, Differential, testing::Values(1u, 2u, 3u, 4u, 5u, 6u, 7u, 8u));

TEST(DifferentialSingleRule, EachPatternAloneInAMatcher)
{
    // One rule per matcher: exercises anchor choice without any competition from other rules.
    test::random_patterns gen(99);
    event_reader reader;
    int matched = 0;
    for (int i = 0; i < 400; ++i) {
        std::string text = gen.pattern();
        auto compiled = compile(text);
        if (!compiled) {
            continue;
        }
        matcher m;
        ASSERT_TRUE(m.add(rule_id{ 1 }, *compiled).has_value());
        for (int j = 0; j < 20; ++j) {
            std::string ev = gen.event();
            ASSERT_TRUE(reader.parse(ev).has_value());
            bool want = reader.pattern_matches(*compiled);
            auto got = m.match(ev);
            ASSERT_TRUE(got.has_value());
            ASSERT_EQ(got->size() == 1, want) << text << " on " << ev;
            matched += want ? 1 : 0;
        }
    }
    EXPECT_GT(matched, 100);
}

} // namespace
} // namespace sluice::pattern
