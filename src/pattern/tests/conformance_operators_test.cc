// Conformance, part 2: content filters. Rows follow the documented EventBridge semantics
// ("Content filtering in Amazon EventBridge event patterns", "Comparison operators for use in
// event patterns", event-ruler README). Deliberate differences are listed in ../README.md.
#include "conformance.h"

namespace sluice::pattern::test {
namespace {

// clang-format off
const conformance_case operator_cases[] = {
    // prefix: strings only.
    {"prefix", R"({"time":[{"prefix":"2017-12-22"}]})", ec2_event, true},
    {"prefix_mismatch", R"({"time":[{"prefix":"2018"}]})", ec2_event, false},
    {"prefix_whole_value", R"({"source":[{"prefix":"aws.ec2"}]})", ec2_event, true},
    {"prefix_longer_than_value", R"({"source":[{"prefix":"aws.ec2x"}]})", ec2_event, false},
    {"prefix_case_sensitive", R"({"source":[{"prefix":"AWS"}]})", ec2_event, false},
    {"prefix_not_on_numbers", R"({"n":[{"prefix":"1"}]})", R"({"n":12})", false},
    {"prefix_empty", R"({"source":[{"prefix":""}]})", ec2_event, true},
    {"prefix_empty_not_on_numbers", R"({"n":[{"prefix":""}]})", R"({"n":1})", false},
    {"prefix_in_event_array", R"({"detail":{"tags":[{"prefix":"c"}]}})", ec2_event, true},
    {"prefix_ignore_case", R"({"source":[{"prefix":{"equals-ignore-case":"AWS.E"}}]})", ec2_event, true},
    {"prefix_ignore_case_mismatch", R"({"source":[{"prefix":{"equals-ignore-case":"AWS.S"}}]})", ec2_event, false},
    {"prefix_or_exact", R"({"source":["x",{"prefix":"aws."}]})", ec2_event, true},
    {"prefix_multibyte", R"({"s":[{"prefix":"hé"}]})", R"({"s":"héllo"})", true},
    {"prefix_region_example", R"({"source":["aws.ec2"],"region":[{"prefix":"us-"}]})", ec2_event, true},

    // suffix: strings only.
    {"suffix", R"({"FileName":[{"suffix":".png"}]})", R"({"FileName":"image.png"})", true},
    {"suffix_mismatch", R"({"FileName":[{"suffix":".jpg"}]})", R"({"FileName":"image.png"})", false},
    {"suffix_case_sensitive", R"({"FileName":[{"suffix":".PNG"}]})", R"({"FileName":"image.png"})", false},
    {"suffix_ignore_case", R"({"FileName":[{"suffix":{"equals-ignore-case":".PNG"}}]})", R"({"FileName":"image.png"})", true},
    {"suffix_whole_value", R"({"FileName":[{"suffix":"image.png"}]})", R"({"FileName":"image.png"})", true},
    {"suffix_longer_than_value", R"({"FileName":[{"suffix":"x-image.png"}]})", R"({"FileName":"image.png"})", false},
    {"suffix_not_on_numbers", R"({"n":[{"suffix":"2"}]})", R"({"n":12})", false},
    {"suffix_in_event_array", R"({"detail":{"tags":[{"suffix":"b"}]}})", ec2_event, true},

    // equals-ignore-case: strings only, ASCII case folding.
    {"equals_ignore_case", R"({"source":[{"equals-ignore-case":"AWS.EC2"}]})", ec2_event, true},
    {"equals_ignore_case_mismatch", R"({"source":[{"equals-ignore-case":"aws.ec"}]})", ec2_event, false},
    {"equals_ignore_case_not_on_numbers", R"({"n":[{"equals-ignore-case":"5"}]})", R"({"n":5})", false},
    {"equals_ignore_case_in_array", R"({"detail":{"tags":[{"equals-ignore-case":"B"}]}})", ec2_event, true},
    {"equals_ignore_case_non_ascii_bytes", R"({"s":[{"equals-ignore-case":"HÉLLO"}]})", R"({"s":"hÉllo"})", true},

    // wildcard: strings only; '*' is any run, '\*' a literal star.
    {"wildcard_middle", R"({"source":[{"wildcard":"aws.*2"}]})", ec2_event, true},
    {"wildcard_leading", R"({"FileName":[{"wildcard":"*.png"}]})", R"({"FileName":"dir/a.png"})", true},
    {"wildcard_trailing", R"({"source":[{"wildcard":"aws.*"}]})", ec2_event, true},
    {"wildcard_two_stars", R"({"path":[{"wildcard":"*/lib/*.so"}]})", R"({"path":"/usr/lib/x.so"})", true},
    {"wildcard_two_stars_mismatch", R"({"path":[{"wildcard":"*/lib/*.so"}]})", R"({"path":"/usr/bin/x.so"})", false},
    {"wildcard_star_only", R"({"source":[{"wildcard":"*"}]})", ec2_event, true},
    {"wildcard_star_only_empty_string", R"({"s":[{"wildcard":"*"}]})", R"({"s":""})", true},
    {"wildcard_not_on_numbers", R"({"n":[{"wildcard":"*"}]})", R"({"n":5})", false},
    {"wildcard_without_star", R"({"source":[{"wildcard":"aws.ec2"}]})", ec2_event, true},
    {"wildcard_escaped_star", R"({"s":[{"wildcard":"a\\*b"}]})", R"({"s":"a*b"})", true},
    {"wildcard_escaped_star_is_literal", R"({"s":[{"wildcard":"a\\*b"}]})", R"({"s":"axxb"})", false},
    {"wildcard_escaped_backslash", R"({"s":[{"wildcard":"a\\\\b"}]})", R"({"s":"a\\b"})", true},
    {"wildcard_head_tail_overlap", R"({"s":[{"wildcard":"ab*ba"}]})", R"({"s":"aba"})", false},
    {"wildcard_head_tail_adjacent", R"({"s":[{"wildcard":"ab*ba"}]})", R"({"s":"abba"})", true},
    {"wildcard_empty_runs", R"({"s":[{"wildcard":"a*b*c"}]})", R"({"s":"abc"})", true},
    {"wildcard_order_matters", R"({"s":[{"wildcard":"a*c*b"}]})", R"({"s":"abc"})", false},
    {"wildcard_case_sensitive", R"({"source":[{"wildcard":"AWS.*"}]})", ec2_event, false},
    {"wildcard_repeated_segment", R"({"s":[{"wildcard":"*ab*ab*"}]})", R"({"s":"xabyab"})", true},
    {"wildcard_repeated_segment_once", R"({"s":[{"wildcard":"*ab*ab*"}]})", R"({"s":"xab"})", false},
    {"wildcard_folder_example", R"({"f":[{"wildcard":"dir/*.png"}]})", R"({"f":"dir/a/b.png"})", true},

    // anything-but: any present value except the listed ones.
    {"anything_but_string", R"({"detail":{"state":[{"anything-but":"initializing"}]}})", ec2_event, true},
    {"anything_but_string_hit", R"({"detail":{"state":[{"anything-but":"terminated"}]}})", ec2_event, false},
    {"anything_but_list", R"({"detail":{"state":[{"anything-but":["stopped","overloaded"]}]}})", ec2_event, true},
    {"anything_but_list_hit", R"({"detail":{"state":[{"anything-but":["stopped","terminated"]}]}})", ec2_event, false},
    {"anything_but_number_hit", R"({"detail":{"c-count":[{"anything-but":5}]}})", ec2_event, false},
    {"anything_but_number", R"({"detail":{"c-count":[{"anything-but":6}]}})", ec2_event, true},
    {"anything_but_number_list", R"({"detail":{"x-limit":[{"anything-but":[100,200,300]}]}})", ec2_event, true},
    {"anything_but_number_numeric_equality", R"({"n":[{"anything-but":[300]}]})", R"({"n":3.0e2})", false},
    {"anything_but_missing_field", R"({"detail":{"nope":[{"anything-but":"x"}]}})", ec2_event, false},
    {"anything_but_string_vs_number_value", R"({"n":[{"anything-but":"5"}]})", R"({"n":5})", true},
    {"anything_but_number_vs_string_value", R"({"n":[{"anything-but":5}]})", R"({"n":"5"})", true},
    {"anything_but_vs_null", R"({"n":[{"anything-but":"x"}]})", R"({"n":null})", true},
    {"anything_but_array_some_other", R"({"price":[{"anything-but":[100,500]}]})", R"({"price":[100,50]})", true},
    {"anything_but_array_all_excluded", R"({"price":[{"anything-but":[100,500]}]})", R"({"price":[100,500]})", false},
    {"anything_but_empty_string", R"({"s":[{"anything-but":""}]})", R"({"s":""})", false},
    {"anything_but_empty_string_other", R"({"s":[{"anything-but":""}]})", R"({"s":"a"})", true},
    {"anything_but_prefix", R"({"detail":{"state":[{"anything-but":{"prefix":"init"}}]}})", ec2_event, true},
    {"anything_but_prefix_hit", R"({"detail":{"state":[{"anything-but":{"prefix":"term"}}]}})", ec2_event, false},
    {"anything_but_prefix_number_value", R"({"n":[{"anything-but":{"prefix":"1"}}]})", R"({"n":12})", true},
    {"anything_but_suffix", R"({"FileName":[{"anything-but":{"suffix":".png"}}]})", R"({"FileName":"a.jpg"})", true},
    {"anything_but_suffix_hit", R"({"FileName":[{"anything-but":{"suffix":".png"}}]})", R"({"FileName":"a.png"})", false},
    {"anything_but_ignore_case_hit", R"({"detail":{"state":[{"anything-but":{"equals-ignore-case":"TERMINATED"}}]}})", ec2_event, false},
    {"anything_but_ignore_case", R"({"detail":{"state":[{"anything-but":{"equals-ignore-case":"RUNNING"}}]}})", ec2_event, true},
    {"anything_but_ignore_case_list", R"({"detail":{"state":[{"anything-but":{"equals-ignore-case":["RUNNING","Terminated"]}}]}})", ec2_event, false},
    {"anything_but_wildcard", R"({"FilePath":[{"anything-but":{"wildcard":"*/lib/*"}}]})", R"({"FilePath":"/usr/bin/x"})", true},
    {"anything_but_wildcard_hit", R"({"FilePath":[{"anything-but":{"wildcard":"*/lib/*"}}]})", R"({"FilePath":"/usr/lib/x"})", false},
    {"anything_but_or_exact", R"({"detail":{"state":["terminated",{"anything-but":"terminated"}]}})", ec2_event, true},
    {"anything_but_with_prefix_and", R"({"source":[{"prefix":"aws."}],"detail":{"state":[{"anything-but":"terminated"}]}})", ec2_event, false},

    // numeric: JSON numbers only; ranges with open/closed ends.
    {"numeric_range", R"({"detail":{"c-count":[{"numeric":[">",0,"<=",5]}]}})", ec2_event, true},
    {"numeric_upper_open", R"({"detail":{"c-count":[{"numeric":[">",0,"<",5]}]}})", ec2_event, false},
    {"numeric_lower_open", R"({"detail":{"c-count":[{"numeric":[">",5]}]}})", ec2_event, false},
    {"numeric_lower_closed", R"({"detail":{"c-count":[{"numeric":[">=",5]}]}})", ec2_event, true},
    {"numeric_less", R"({"detail":{"d-count":[{"numeric":["<",10]}]}})", ec2_event, true},
    {"numeric_equals_exponent", R"({"detail":{"x-limit":[{"numeric":["=",3.018e2]}]}})", ec2_event, true},
    {"numeric_equals_int_vs_float", R"({"n":[{"numeric":["=",5]}]})", R"({"n":5.0})", true},
    {"numeric_not_on_strings", R"({"n":[{"numeric":["<",10]}]})", R"({"n":"3"})", false},
    {"numeric_not_on_null", R"({"n":[{"numeric":["<",10]}]})", R"({"n":null})", false},
    {"numeric_not_on_bool", R"({"n":[{"numeric":[">",0]}]})", R"({"n":true})", false},
    {"numeric_missing_field", R"({"n":[{"numeric":["<",10]}]})", R"({"m":3})", false},
    {"numeric_negative_range", R"({"n":[{"numeric":[">=",-10,"<",-1]}]})", R"({"n":-5})", true},
    {"numeric_zero_open_lower", R"({"n":[{"numeric":[">",0]}]})", R"({"n":0})", false},
    {"numeric_negative_zero_open_lower", R"({"n":[{"numeric":[">",0]}]})", R"({"n":-0})", false},
    {"numeric_negative_zero_closed_lower", R"({"n":[{"numeric":[">=",0]}]})", R"({"n":-0})", true},
    {"numeric_zero_closed_upper_negative_zero", R"({"n":[{"numeric":["<=",-0]}]})", R"({"n":0})", true},
    {"numeric_negative_zero_less_than_zero", R"({"n":[{"numeric":["<",0]}]})", R"({"n":-0.0})", false},
    {"numeric_large", R"({"n":[{"numeric":[">",1e9]}]})", R"({"n":5e9})", true},
    {"numeric_very_large", R"({"n":[{"numeric":[">",1e15,"<",1e16]}]})", R"({"n":5000000000000000})", true},
    {"numeric_epoch_millis", R"({"ts":[{"numeric":[">",1700000000000]}]})", R"({"ts":1700000000001})", true},
    {"numeric_precision_equal", R"({"n":[{"numeric":["=",0.1]}]})", R"({"n":0.1})", true},
    {"numeric_precision_below", R"({"n":[{"numeric":["<",0.30000000000000004]}]})", R"({"n":0.3})", true},
    {"numeric_precision_sum_is_not_literal", R"({"n":[{"numeric":["<=",0.3]}]})", R"({"n":0.30000000000000004})", false},
    {"numeric_six_decimals", R"({"n":[{"numeric":[">",1.000001,"<",1.000003]}]})", R"({"n":1.000002})", true},
    {"numeric_event_array_any", R"({"detail":{"nums":[{"numeric":["<",2]}]}})", ec2_event, true},
    {"numeric_event_array_none", R"({"detail":{"nums":[{"numeric":[">",3]}]}})", ec2_event, false},
    {"numeric_bounds_any_order", R"({"n":[{"numeric":["<=",5,">",0]}]})", R"({"n":5})", true},
    {"numeric_two_ranges_or_miss", R"({"n":[{"numeric":["<",0]},{"numeric":[">",100]}]})", R"({"n":50})", false},
    {"numeric_two_ranges_or_hit", R"({"n":[{"numeric":["<",0]},{"numeric":[">",100]}]})", R"({"n":150})", true},
    {"numeric_point_range", R"({"n":[{"numeric":[">=",5,"<=",5]}]})", R"({"n":5})", true},
    {"numeric_or_exact_string", R"({"n":["five",{"numeric":["=",5]}]})", R"({"n":"five"})", true},

    // exists: presence of a leaf value (null counts; objects and empty arrays do not).
    {"exists_true_present", R"({"detail":{"c-count":[{"exists":true}]}})", ec2_event, true},
    {"exists_true_absent", R"({"detail":{"nope":[{"exists":true}]}})", ec2_event, false},
    {"exists_false_absent", R"({"detail":{"nope":[{"exists":false}]}})", ec2_event, true},
    {"exists_false_present", R"({"detail":{"c-count":[{"exists":false}]}})", ec2_event, false},
    {"exists_true_null", R"({"detail":{"none":[{"exists":true}]}})", ec2_event, true},
    {"exists_false_null", R"({"detail":{"none":[{"exists":false}]}})", ec2_event, false},
    {"exists_true_empty_string", R"({"detail":{"empty":[{"exists":true}]}})", ec2_event, true},
    {"exists_true_on_object", R"({"detail":[{"exists":true}]})", ec2_event, false},
    {"exists_false_on_object", R"({"detail":[{"exists":false}]})", ec2_event, true},
    {"exists_false_intermediate_node", R"({"detail":{"c-count":[{"exists":false}]}})", R"({"detail":{"state":"x","c-count":{"c1":100}}})", true},
    {"exists_true_empty_array", R"({"x":[{"exists":true}]})", R"({"x":[]})", false},
    {"exists_false_empty_array", R"({"x":[{"exists":false}]})", R"({"x":[]})", true},
    {"exists_true_array", R"({"x":[{"exists":true}]})", R"({"x":[1]})", true},
    {"exists_false_parent_missing", R"({"a":{"b":[{"exists":false}]}})", R"({})", true},
    {"exists_false_parent_is_leaf", R"({"a":{"b":[{"exists":false}]}})", R"({"a":5})", true},
    {"exists_false_and_exact", R"({"source":["aws.ec2"],"detail":{"nope":[{"exists":false}]}})", ec2_event, true},
    {"exists_false_or_value_absent", R"({"x":["a",{"exists":false}]})", R"({})", true},
    {"exists_false_or_value_other", R"({"x":["a",{"exists":false}]})", R"({"x":"b"})", false},
    {"exists_false_or_value_hit", R"({"x":["a",{"exists":false}]})", R"({"x":"a"})", true},
    {"exists_true_in_object_array", R"({"employees":{"lastName":[{"exists":true}]}})", employees_event, true},

    // cidr: IPv4 and IPv6 blocks over string values.
    {"cidr_v4", R"({"detail":{"source-ip":[{"cidr":"10.0.0.0/24"}]}})", ec2_event, true},
    {"cidr_v4_outside", R"({"detail":{"source-ip":[{"cidr":"10.0.1.0/24"}]}})", ec2_event, false},
    {"cidr_v4_slash8", R"({"detail":{"source-ip":[{"cidr":"10.0.0.0/8"}]}})", ec2_event, true},
    {"cidr_v4_slash32", R"({"detail":{"source-ip":[{"cidr":"10.0.0.33/32"}]}})", ec2_event, true},
    {"cidr_v4_slash32_other", R"({"detail":{"source-ip":[{"cidr":"10.0.0.34/32"}]}})", ec2_event, false},
    {"cidr_v4_slash0", R"({"detail":{"source-ip":[{"cidr":"0.0.0.0/0"}]}})", ec2_event, true},
    {"cidr_v4_host_bits_ignored", R"({"detail":{"source-ip":[{"cidr":"10.0.0.99/24"}]}})", ec2_event, true},
    {"cidr_v4_bare_address", R"({"detail":{"source-ip":[{"cidr":"10.0.0.33"}]}})", ec2_event, true},
    {"cidr_v4_slash25_upper", R"({"ip":[{"cidr":"10.0.0.128/25"}]})", R"({"ip":"10.0.0.200"})", true},
    {"cidr_v4_slash25_lower", R"({"ip":[{"cidr":"10.0.0.128/25"}]})", R"({"ip":"10.0.0.100"})", false},
    {"cidr_v4_broadcast_edge", R"({"ip":[{"cidr":"192.168.1.0/24"}]})", R"({"ip":"192.168.1.255"})", true},
    {"cidr_v4_next_block", R"({"ip":[{"cidr":"192.168.1.0/24"}]})", R"({"ip":"192.168.2.0"})", false},
    {"cidr_v6", R"({"ip":[{"cidr":"2001:db8::/32"}]})", R"({"ip":"2001:db8:1::5"})", true},
    {"cidr_v6_outside", R"({"ip":[{"cidr":"2001:db8::/32"}]})", R"({"ip":"2001:db9::1"})", false},
    {"cidr_v6_uncompressed_event", R"({"ip":[{"cidr":"2001:db8::/48"}]})", R"({"ip":"2001:0db8:0000:0000:0000:0000:0000:0001"})", true},
    {"cidr_v6_slash128", R"({"ip":[{"cidr":"::1/128"}]})", R"({"ip":"::1"})", true},
    {"cidr_v6_uppercase_event", R"({"ip":[{"cidr":"2001:db8::/32"}]})", R"({"ip":"2001:DB8::AB"})", true},
    {"cidr_v6_odd_prefix", R"({"ip":[{"cidr":"2001:db8:8000::/33"}]})", R"({"ip":"2001:db8:7fff::1"})", false},
    {"cidr_v4_block_vs_mapped_v6", R"({"ip":[{"cidr":"10.0.0.0/8"}]})", R"({"ip":"::ffff:10.0.0.1"})", false},
    {"cidr_v6_block_vs_v4_event", R"({"ip":[{"cidr":"::/0"}]})", R"({"ip":"10.0.0.1"})", false},
    {"cidr_not_an_ip", R"({"ip":[{"cidr":"10.0.0.0/8"}]})", R"({"ip":"not-an-ip"})", false},
    {"cidr_not_on_numbers", R"({"ip":[{"cidr":"10.0.0.0/8"}]})", R"({"ip":10})", false},
    {"cidr_event_leading_zero", R"({"ip":[{"cidr":"10.0.0.0/8"}]})", R"({"ip":"10.0.0.033"})", false},
    {"cidr_event_with_port", R"({"ip":[{"cidr":"10.0.0.0/8"}]})", R"({"ip":"10.0.0.1:80"})", false},
    {"cidr_event_array", R"({"ip":[{"cidr":"10.0.0.0/8"}]})", R"({"ip":["192.168.0.1","10.9.9.9"]})", true},

    // $or: alternatives of sub-patterns, at any level, nestable.
    {"or_first", R"({"$or":[{"source":["aws.ec2"]},{"region":["nope"]}]})", ec2_event, true},
    {"or_second", R"({"$or":[{"source":["x"]},{"region":["us-west-1"]}]})", ec2_event, true},
    {"or_none", R"({"$or":[{"source":["x"]},{"region":["y"]}]})", ec2_event, false},
    {"or_and_outside", R"({"source":["aws.ec2"],"$or":[{"detail":{"state":["x"]}},{"detail":{"c-count":[5]}}]})", ec2_event, true},
    {"or_and_outside_fails", R"({"source":["aws.s3"],"$or":[{"detail":{"state":["x"]}},{"detail":{"c-count":[5]}}]})", ec2_event, false},
    {"or_nested", R"({"$or":[{"a":["1"]},{"$or":[{"b":["2"]},{"c":["3"]}]}]})", R"({"c":"3"})", true},
    {"or_nested_none", R"({"$or":[{"a":["1"]},{"$or":[{"b":["2"]},{"c":["3"]}]}]})", R"({"c":"4"})", false},
    {"or_inside_object", R"({"detail":{"$or":[{"state":["terminated"]},{"x":["y"]}]}})", ec2_event, true},
    {"or_parallel", R"({"$or":[{"a":["1"]},{"b":["2"]}],"detail":{"$or":[{"c":["3"]},{"d":["4"]}]}})", R"({"b":"2","detail":{"d":"4"}})", true},
    {"or_parallel_one_fails", R"({"$or":[{"a":["1"]},{"b":["2"]}],"detail":{"$or":[{"c":["3"]},{"d":["4"]}]}})", R"({"b":"2","detail":{"e":"5"}})", false},
    {"or_with_and_inside_partial", R"({"$or":[{"a":["1"],"b":["2"]},{"c":["3"]}]})", R"({"a":"1"})", false},
    {"or_with_and_inside", R"({"$or":[{"a":["1"],"b":["2"]},{"c":["3"]}]})", R"({"a":"1","b":"2"})", true},
    {"or_exists_false_absent", R"({"$or":[{"a":[{"exists":false}]},{"a":["x"]}]})", R"({})", true},
    {"or_exists_false_value", R"({"$or":[{"a":[{"exists":false}]},{"a":["x"]}]})", R"({"a":"x"})", true},
    {"or_exists_false_other", R"({"$or":[{"a":[{"exists":false}]},{"a":["x"]}]})", R"({"a":"y"})", false},
    {"or_same_field_twice", R"({"a":["x","y"],"$or":[{"a":[{"prefix":"x"}]},{"b":["1"]}]})", R"({"a":"x"})", true},
    {"or_same_field_twice_miss", R"({"a":["x","y"],"$or":[{"a":[{"prefix":"x"}]},{"b":["1"]}]})", R"({"a":"y"})", false},
    {"or_single_alternative", R"({"$or":[{"a":["1"]}]})", R"({"a":"1"})", true},
    {"or_metric_example", R"({"source":["aws.cloudwatch"],"$or":[{"metricName":["CPUUtilization","ReadLatency"]},{"metricType":["MetricType"],"namespace":["AWS/EC2","AWS/ES"],"$or":[{"metricId":[1234]},{"spaceId":[1000]}]},{"scope":["Service"]}]})", R"({"source":"aws.cloudwatch","metricType":"MetricType","namespace":"AWS/ES","spaceId":1000})", true},
    {"or_metric_example_miss", R"({"source":["aws.cloudwatch"],"$or":[{"metricName":["CPUUtilization","ReadLatency"]},{"metricType":["MetricType"],"namespace":["AWS/EC2","AWS/ES"],"$or":[{"metricId":[1234]},{"spaceId":[1000]}]},{"scope":["Service"]}]})", R"({"source":"aws.cloudwatch","metricType":"MetricType","namespace":"AWS/ES","spaceId":1001})", false},

    // Everything together (event-ruler README "Complex example").
    {"complex_example", R"({"time":[{"prefix":"2017-12-22"}],"detail":{"state":[{"anything-but":"initializing"}],"c-count":[{"numeric":[">",0,"<=",5]}],"d-count":[{"numeric":["<",10]}],"x-limit":[{"anything-but":[100,200,300]}],"source-ip":[{"cidr":"10.0.0.0/8"}]}})", ec2_event, true},
    {"complex_example_one_fails", R"({"time":[{"prefix":"2017-12-22"}],"detail":{"state":[{"anything-but":"initializing"}],"c-count":[{"numeric":[">",0,"<=",5]}],"d-count":[{"numeric":["<",3]}],"x-limit":[{"anything-but":[100,200,300]}],"source-ip":[{"cidr":"10.0.0.0/8"}]}})", ec2_event, false},
};
// clang-format on

class ConformanceOperators : public testing::TestWithParam<conformance_case>
{};

TEST_P(ConformanceOperators, MatchesDocumentedSemantics)
{
    check_case(GetParam());
}

INSTANTIATE_TEST_SUITE_P(
  Operators,
  ConformanceOperators,
  testing::ValuesIn(operator_cases),
  case_name);

} // namespace
} // namespace sluice::pattern::test
