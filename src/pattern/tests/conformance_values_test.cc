// Conformance, part 1: exact values, types, numbers, arrays on both sides, nesting, null,
// empty patterns. Rows follow the documented EventBridge semantics (AWS "Creating event
// patterns", "Matching null values and empty strings", event-ruler README "JSON Array Matching").
#include "conformance.h"

namespace sluice::pattern::test {
namespace {

// clang-format off
const conformance_case value_cases[] = {
    // Exact strings; fields are AND, list items are OR.
    {"exact_string", R"({"source":["aws.ec2"]})", ec2_event, true},
    {"exact_string_mismatch", R"({"source":["aws.s3"]})", ec2_event, false},
    {"exact_is_case_sensitive", R"({"source":["AWS.EC2"]})", ec2_event, false},
    {"exact_no_partial", R"({"source":["aws"]})", ec2_event, false},
    {"any_of_list", R"({"source":["aws.s3","aws.ec2"]})", ec2_event, true},
    {"any_of_list_none", R"({"source":["aws.s3","aws.sqs"]})", ec2_event, false},
    {"two_fields_and", R"({"source":["aws.ec2"],"region":["us-west-1"]})", ec2_event, true},
    {"two_fields_one_fails", R"({"source":["aws.ec2"],"region":["eu-west-1"]})", ec2_event, false},
    {"three_fields", R"({"source":["aws.ec2"],"detail-type":["EC2 Instance State-change Notification"],"detail":{"state":["terminated"]}})", ec2_event, true},
    {"nested_exact", R"({"detail":{"state":["terminated"]}})", ec2_event, true},
    {"nested_mismatch", R"({"detail":{"state":["running"]}})", ec2_event, false},
    {"missing_nested_field", R"({"detail":{"nope":["x"]}})", ec2_event, false},
    {"missing_top_field", R"({"nope":["x"]})", ec2_event, false},
    {"deep_nesting", R"({"a":{"b":{"c":{"d":["e"]}}}})", R"({"a":{"b":{"c":{"d":"e"}}}})", true},
    {"deep_nesting_mismatch", R"({"a":{"b":{"c":{"d":["e"]}}}})", R"({"a":{"b":{"c":{"d":"f"}}}})", false},
    {"pattern_object_event_leaf", R"({"detail":{"state":{"x":["a"]}}})", ec2_event, false},
    {"pattern_leaf_event_object", R"({"detail":["x"]})", ec2_event, false},
    {"dotted_key_is_not_a_path", R"({"a.b":["x"]})", R"({"a":{"b":"x"}})", false},
    {"dotted_key_literal", R"({"a.b":["x"]})", R"({"a.b":"x"})", true},
    {"extra_event_fields_ignored", R"({"id":["6a7e8feb-b491-4cf7-a9f1-bf3703467718"]})", ec2_event, true},
    {"unicode_exact", R"({"s":["héllo"]})", R"({"s":"héllo"})", true},
    {"unicode_escape_in_pattern", R"({"s":["h\u00e9llo"]})", R"({"s":"héllo"})", true},
    {"unicode_escape_in_event", R"({"s":["héllo"]})", R"({"s":"h\u00e9llo"})", true},
    {"escaped_quote", R"({"s":["a\"b"]})", R"({"s":"a\"b"})", true},
    {"duplicate_event_key_each_seen", R"({"a":["2"]})", R"({"a":"1","a":"2"})", true},

    // Numbers compare numerically, never as text, and never equal strings.
    {"number_int", R"({"detail":{"c-count":[5]}})", ec2_event, true},
    {"number_int_vs_float_literal", R"({"detail":{"c-count":[5.0]}})", ec2_event, true},
    {"number_exponent_literal", R"({"detail":{"c-count":[5e0]}})", ec2_event, true},
    {"number_300_matches_3e2", R"({"n":[300]})", R"({"n":3.0e2})", true},
    {"number_3e2_matches_300", R"({"n":[3e2]})", R"({"n":300})", true},
    {"number_negative_exponent", R"({"n":[0.05]})", R"({"n":5e-2})", true},
    {"number_vs_string", R"({"n":[5]})", R"({"n":"5"})", false},
    {"string_vs_number", R"({"n":["5"]})", R"({"n":5})", false},
    {"number_mismatch", R"({"n":[6]})", R"({"n":5})", false},
    {"number_float", R"({"detail":{"x-limit":[301.8]}})", ec2_event, true},
    {"number_same_double", R"({"n":[301.80000000000001]})", R"({"n":301.8})", true},
    {"number_distinct_doubles", R"({"n":[0.30000000000000004]})", R"({"n":0.3})", false},
    {"number_zero_vs_negative_zero", R"({"n":[0]})", R"({"n":-0})", true},
    {"number_negative_zero_vs_zero", R"({"n":[-0]})", R"({"n":0})", true},
    {"number_zero_vs_zero_float", R"({"n":[0]})", R"({"n":0.0})", true},
    {"number_negative", R"({"n":[-5]})", R"({"n":-5})", true},
    {"number_negative_vs_positive", R"({"n":[-5]})", R"({"n":5})", false},
    {"number_large_int", R"({"n":[12345678901234]})", R"({"n":12345678901234})", true},
    {"number_large_exponent", R"({"n":[1e300]})", R"({"n":1E300})", true},
    {"number_max_uint64", R"({"n":[18446744073709551615]})", R"({"n":18446744073709551615})", true},
    {"number_max_int64_vs_double", R"({"n":[9223372036854775807]})", R"({"n":9.223372036854775807e18})", true},
    {"number_tiny", R"({"n":[1e-300]})", R"({"n":0.000000000000000000001e-279})", true},

    // Booleans and null are their own types.
    {"bool_true", R"({"detail":{"flag":[true]}})", ec2_event, true},
    {"bool_false_vs_true", R"({"detail":{"flag":[false]}})", ec2_event, false},
    {"bool_vs_string", R"({"b":[true]})", R"({"b":"true"})", false},
    {"string_true_vs_bool", R"({"b":["true"]})", R"({"b":true})", false},
    {"bool_vs_number", R"({"b":[true]})", R"({"b":1})", false},
    {"null_matches_null", R"({"detail":{"none":[null]}})", ec2_event, true},
    {"null_vs_missing", R"({"detail":{"nope":[null]}})", ec2_event, false},
    {"null_vs_empty_string", R"({"detail":{"empty":[null]}})", ec2_event, false},
    {"empty_string_matches", R"({"detail":{"empty":[""]}})", ec2_event, true},
    {"empty_string_vs_null", R"({"detail":{"none":[""]}})", ec2_event, false},
    {"null_vs_string_null", R"({"s":[null]})", R"({"s":"null"})", false},
    {"null_vs_zero", R"({"s":[null]})", R"({"s":0})", false},
    {"null_or_value", R"({"s":[null,"x"]})", R"({"s":"x"})", true},

    // Arrays in the event: any element may match; arrays on both sides intersect.
    {"event_array_single", R"({"resources":["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"]})", ec2_event, true},
    {"event_array_contains", R"({"detail":{"tags":["b"]}})", ec2_event, true},
    {"event_array_not_contains", R"({"detail":{"tags":["z"]}})", ec2_event, false},
    {"arrays_intersect", R"({"detail":{"tags":["z","c"]}})", ec2_event, true},
    {"arrays_disjoint", R"({"detail":{"tags":["x","y"]}})", ec2_event, false},
    {"event_number_array", R"({"detail":{"nums":[2]}})", ec2_event, true},
    {"event_mixed_array", R"({"x":[true]})", R"({"x":["a",1,null,true]})", true},
    {"event_empty_array", R"({"x":["a"]})", R"({"x":[]})", false},
    {"event_nested_primitive_arrays", R"({"x":["b"]})", R"({"x":[["a"],["b"]]})", true},
    {"two_clauses_same_primitive_array", R"({"a":["x"],"$or":[{"a":["y"]},{"zz":["1"]}]})", R"({"a":["x","y"]})", true},
    {"objects_in_array", R"({"employees":{"firstName":["Anna"]}})", employees_event, true},
    {"objects_in_array_missing", R"({"employees":{"firstName":["Zoe"]}})", employees_event, false},
    {"array_consistent_same_element", R"({"employees":{"firstName":["Anna"],"lastName":["Smith"]}})", employees_event, true},
    {"array_consistent_cross_element", R"({"employees":{"firstName":["Anna"],"lastName":["Jones"]}})", employees_event, false},
    {"array_consistent_any_of", R"({"employees":{"firstName":["Anna","Peter"],"lastName":["Jones"]}})", employees_event, true},
    {"array_consistent_nested_same", R"({"employees":{"firstName":["Anna"],"lastName":["Smith"]}})", employees_nested_event, true},
    {"array_consistent_nested_cross", R"({"employees":{"firstName":["Anna"],"lastName":["Jones"]}})", employees_nested_event, false},
    {"array_consistent_outer_field", R"({"dept":["x"],"employees":{"firstName":["Peter"],"lastName":["Jones"]}})", employees_event, true},
    {"array_consistent_or", R"({"employees":{"$or":[{"firstName":["Anna"],"lastName":["Jones"]},{"firstName":["Peter"]}]}})", employees_event, true},
    {"array_primitive_beside_objects", R"({"a":{"b":["1"]},"c":["2"]})", R"({"a":[5,{"b":"1"}],"c":"2"})", true},
    {"array_consistent_deeper", R"({"o":{"i":{"k":["1"]},"j":["2"]}})", R"({"o":[{"i":[{"k":"1"}],"j":"3"},{"i":[{"k":"0"}],"j":"2"}]})", false},
    {"array_consistent_deeper_ok", R"({"o":{"i":{"k":["1"]},"j":["2"]}})", R"({"o":[{"i":[{"k":"0"},{"k":"1"}],"j":"2"}]})", true},

    // Empty patterns match every event.
    {"empty_pattern", R"({})", ec2_event, true},
    {"empty_pattern_empty_event", R"({})", R"({})", true},
    {"empty_nested_pattern", R"({"detail":{}})", ec2_event, true},
    {"empty_pattern_array_event", R"({})", R"([1,2])", true},
};
// clang-format on

class ConformanceValues : public testing::TestWithParam<conformance_case>
{};

TEST_P(ConformanceValues, MatchesDocumentedSemantics)
{
    check_case(GetParam());
}

INSTANTIATE_TEST_SUITE_P(Values, ConformanceValues, testing::ValuesIn(value_cases), case_name);

} // namespace
} // namespace sluice::pattern::test
