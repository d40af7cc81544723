#include "functions/function_config.h"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

namespace sluice::functions {
namespace {

std::variant<function_request, std::string> parse(std::string_view text) {
    return parse_function_request(boost::json::parse(text).as_object(), {}, false);
}

std::string error_of(std::string_view text) {
    auto r = parse(text);
    auto* e = std::get_if<std::string>(&r);
    return e ? *e : std::string();
}

TEST(FunctionConfig, PythonDefaults) {
    auto r = parse(R"({"runtime":"python3.12","handler":"app.handler"})");
    ASSERT_TRUE(std::holds_alternative<function_request>(r)) << std::get<std::string>(r);
    auto& c = std::get<function_request>(r).config;
    EXPECT_EQ(c.kind, function_kind::process);
    EXPECT_EQ(c.timeout, millis(3000));
    EXPECT_EQ(c.min_instances, 0u);
    EXPECT_EQ(c.retries, 2u);
}

TEST(FunctionConfig, RuntimeNames) {
    EXPECT_EQ(parse_runtime("python"), runtime_kind::python);
    EXPECT_EQ(parse_runtime("python3.11"), runtime_kind::python);
    EXPECT_EQ(parse_runtime("nodejs20.x"), runtime_kind::node);
    EXPECT_EQ(parse_runtime("node"), runtime_kind::node);
    EXPECT_EQ(parse_runtime("provided.al2023"), runtime_kind::provided);
    EXPECT_FALSE(parse_runtime("cobol"));
    EXPECT_FALSE(parse_runtime("python2.7x!"));
}

TEST(FunctionConfig, BadInputIsRefusedWithAClearMessage) {
    EXPECT_NE(error_of(R"({"runtime":"cobol","handler":"a.b"})").find("unknown runtime"), std::string::npos);
    EXPECT_NE(error_of(R"({"runtime":"python","handler":"nodot"})").find("module.function"), std::string::npos);
    EXPECT_NE(error_of(R"({"runtime":"python","handler":"a.b","timeout":"0s"})").find("timeout"), std::string::npos);
    EXPECT_NE(error_of(R"({"runtime":"python","handler":"a.b","timeout":"16m"})").find("timeout"), std::string::npos);
    EXPECT_NE(error_of(R"({"runtime":"python","handler":"a.b","memory":"1KiB"})").find("memory"), std::string::npos);
    EXPECT_NE(error_of(R"({"runtime":"python","handler":"a.b","memory":"20GiB"})").find("memory"), std::string::npos);
    EXPECT_NE(error_of(R"({"runtime":"python","handler":"a.b","min_instances":5,"max_instances":2})").find("min_instances"), std::string::npos);
    EXPECT_NE(error_of(R"({"runtime":"python","handler":"a.b","bogus":1})").find("bogus"), std::string::npos);
    EXPECT_NE(error_of(R"({"kind":"http"})").find("command"), std::string::npos);
    EXPECT_NE(error_of(R"({"kind":"webhook","url":"ftp://x"})").find("url"), std::string::npos);
    EXPECT_NE(error_of(R"({"runtime":"python","handler":"a.b","env":{"1X":"v"}})").find("env"), std::string::npos);
    EXPECT_NE(error_of(R"({"runtime":"python","handler":"a.b","on_failure":"queue:bad name"})").find("on_failure"), std::string::npos);
}

TEST(FunctionConfig, FieldsOfAnotherKindAreRefused) {
    EXPECT_EQ(error_of(R"({"kind":"http","command":"./serve","handler":"x"})"),
              "'handler' applies to process functions, not http (kind is 'http')");
    EXPECT_EQ(error_of(R"({"kind":"webhook","url":"http://127.0.0.1:1/","runtime":"python"})"),
              "'runtime' applies to process functions, not webhook (kind is 'webhook')");
    EXPECT_EQ(error_of(R"({"runtime":"python","handler":"a.b","url":"http://x/"})"),
              "'url' applies to webhook functions, not process (kind is 'process')");
    EXPECT_EQ(error_of(R"({"kind":"webhook","url":"http://127.0.0.1:1/","command":"x"})"),
              "'command' applies to http functions, not webhook (kind is 'webhook')");
}

TEST(FunctionConfig, ChangingTheKindDropsTheOldKindsFields) {
    auto first = parse(R"({"runtime":"python","handler":"app.handler"})");
    ASSERT_TRUE(std::holds_alternative<function_request>(first));
    auto update = parse_function_request(
      boost::json::parse(R"({"kind":"http","command":"./serve"})").as_object(),
      std::get<function_request>(first).config,
      false);
    ASSERT_TRUE(std::holds_alternative<function_request>(update)) << std::get<std::string>(update);
    const auto& c = std::get<function_request>(update).config;
    EXPECT_EQ(c.runtime, "");
    EXPECT_EQ(c.handler, "");
    EXPECT_EQ(c.command, "./serve");
    // What is answered is what a restart reads back.
    function_definition d{"f", c, "abc", from_unix_ms(1000), from_unix_ms(2000)};
    auto back = decode_definition(encode_definition(d));
    ASSERT_TRUE(back);
    EXPECT_EQ(back->config, c);
}

TEST(FunctionConfig, DefinitionRoundTrips) {
    auto r = parse(R"({"runtime":"node","handler":"index.handler","env":{"A":"1"},"timeout":"10s",
                       "max_instances":4,"idle_timeout":"1s","on_failure":"queue:dlq"})");
    ASSERT_TRUE(std::holds_alternative<function_request>(r));
    function_definition d{"f", std::get<function_request>(r).config, "abc", from_unix_ms(1000), from_unix_ms(2000)};
    auto back = decode_definition(encode_definition(d));
    ASSERT_TRUE(back);
    EXPECT_EQ(back->config, d.config);
    EXPECT_EQ(back->code_sha256, "abc");
    EXPECT_EQ(back->name, "f");
}

TEST(FunctionConfig, Destinations) {
    EXPECT_EQ(parse_destination("queue:failures")->name, "failures");
    EXPECT_EQ(parse_destination("failures")->name, "failures");
    EXPECT_EQ(parse_destination("failures")->type, destination::kind::queue);
    EXPECT_EQ(parse_destination("topic:done")->type, destination::kind::topic);
    EXPECT_EQ(parse_destination("topic:done")->name, "done");
    EXPECT_FALSE(parse_destination("queue:"));
    EXPECT_FALSE(parse_destination("topic:bad name"));
}

} // namespace
} // namespace sluice::functions
