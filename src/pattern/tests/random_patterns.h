#pragma once

// Random patterns and events over a small shared vocabulary, so that patterns match events
// often enough for a differential test to mean something.

#include <boost/json.hpp>
#include <random>
#include <string>
#include <vector>

namespace sluice::pattern::test {

class random_patterns
{
public:
    explicit random_patterns(unsigned seed)
      : _rng(seed)
    {
    }

    std::string pattern()
    {
        boost::json::object root;
        fill_fields(root, pick(1, 3));
        if (chance(0.3)) {
            root["$or"] = or_group(2);
        }
        if (chance(0.15)) {
            boost::json::object detail;
            detail["$or"] = or_group(1);
            root["detail"] = detail;
        }
        return boost::json::serialize(root);
    }

    std::string event()
    {
        boost::json::object root;
        for (const auto& f : fields()) {
            if (f.path.size() == 3 || !chance(0.75)) {
                continue;
            }
            set_path(root, f.path, event_value(f.kind));
        }
        if (chance(0.6)) {
            boost::json::array items;
            for (int i = 0, n = pick(0, 3); i < n; ++i) {
                boost::json::object item;
                if (chance(0.8)) {
                    item["name"] = event_value(value_type::text);
                }
                if (chance(0.8)) {
                    item["qty"] = event_value(value_type::number);
                }
                items.push_back(item);
            }
            if (chance(0.2)) {
                items.push_back(event_value(value_type::text)); // a primitive beside the objects
            }
            set_path(root, { "detail", "items" }, items);
        }
        return boost::json::serialize(root);
    }

private:
    enum class value_type
    {
        text,
        number,
        ip,
        flag
    };
    struct field
    {
        std::vector<std::string> path;
        value_type kind;
    };

    static const std::vector<field>& fields()
    {
        static const std::vector<field> all = {
            { { "source" }, value_type::text },
            { { "detail-type" }, value_type::text },
            { { "region" }, value_type::text },
            { { "detail", "state" }, value_type::text },
            { { "detail", "count" }, value_type::number },
            { { "detail", "price" }, value_type::number },
            { { "detail", "ip" }, value_type::ip },
            { { "detail", "tags" }, value_type::text },
            { { "detail", "flag" }, value_type::flag },
            { { "detail", "items", "name" }, value_type::text },
            { { "detail", "items", "qty" }, value_type::number },
        };
        return all;
    }

    static const std::vector<std::string>& words()
    {
        static const std::vector<std::string> w
          = { "aws.ec2",   "aws.s3", "Aws.EC2", "order.created", "order.paid", "eu-west-1",
              "us-east-1", "",       "running", "terminated",    "A",          "a",
              "ab",        "abc",    "b",       "a*b",           "x\\y" };
        return w;
    }
    static const std::vector<double>& numbers()
    {
        static const std::vector<double> n = { -1, 0, 1, 2.5, 5, 10, 100, 300, 1e9, -0.0 };
        return n;
    }
    static const std::vector<std::string>& ips()
    {
        static const std::vector<std::string> i
          = { "10.0.0.1", "10.0.1.7", "192.168.1.20", "2001:db8::5", "::1", "not-ip" };
        return i;
    }

    int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(_rng); }
    bool chance(double p) { return std::bernoulli_distribution(p)(_rng); }
    template<class T>
    const T& one_of(const std::vector<T>& v)
    {
        return v[static_cast<std::size_t>(pick(0, static_cast<int>(v.size()) - 1))];
    }

    static boost::json::value number_value(double d)
    {
        if (d == static_cast<double>(static_cast<std::int64_t>(d)) && !std::signbit(d)) {
            return static_cast<std::int64_t>(d);
        }
        return d;
    }

    boost::json::value scalar(value_type k)
    {
        switch (k) {
            case value_type::text:
                return boost::json::value(one_of(words()));
            case value_type::number:
                return number_value(one_of(numbers()));
            case value_type::ip:
                return boost::json::value(one_of(ips()));
            case value_type::flag:
                return chance(0.3) ? boost::json::value(nullptr) : boost::json::value(chance(0.5));
        }
        return nullptr;
    }

    boost::json::value event_value(value_type k)
    {
        if (chance(0.07)) {
            return nullptr;
        }
        if (chance(0.08)) {
            // wrong type on purpose
            return scalar(k == value_type::number ? value_type::text : value_type::number);
        }
        if (chance(0.2)) {
            boost::json::array a;
            for (int i = 0, n = pick(0, 3); i < n; ++i) {
                a.push_back(scalar(k));
            }
            return a;
        }
        return scalar(k);
    }

    std::string fragment(const std::string& s)
    {
        if (s.empty()) {
            return s;
        }
        std::size_t n = static_cast<std::size_t>(pick(0, static_cast<int>(s.size())));
        return chance(0.5) ? s.substr(0, n) : s.substr(s.size() - n);
    }

    std::string wildcard_text()
    {
        static const std::vector<std::string> w = { "*",     "a*",    "*b",    "a*b",
                                                    "*c*",   "aws.*", "*.ec2", "order.*d",
                                                    "a\\*b", "*-*-1", "ab*ba" };
        return one_of(w);
    }

    boost::json::value op(std::string_view name, boost::json::value arg)
    {
        boost::json::object o;
        o[name] = std::move(arg);
        return o;
    }

    boost::json::value matcher_value(value_type k)
    {
        switch (pick(0, 12)) {
            case 0:
            case 1:
                return scalar(k);
            case 2:
                return chance(0.5) ? boost::json::value(nullptr) : boost::json::value(chance(0.5));
            case 3: {
                boost::json::value arg(fragment(one_of(words())));
                if (chance(0.3)) {
                    arg = op("equals-ignore-case", arg);
                }
                return op(chance(0.5) ? "prefix" : "suffix", arg);
            }
            case 4:
                return op("equals-ignore-case", boost::json::value(one_of(words())));
            case 5:
                return op("wildcard", boost::json::value(wildcard_text()));
            case 6: {
                switch (pick(0, 5)) {
                    case 0:
                        return op(
                          "anything-but",
                          scalar(k == value_type::number ? value_type::number : value_type::text));
                    case 1: {
                        boost::json::array a;
                        bool nums = chance(0.5);
                        for (int i = 0, n = pick(1, 3); i < n; ++i) {
                            a.push_back(
                              nums ? number_value(one_of(numbers()))
                                   : boost::json::value(one_of(words())));
                        }
                        return op("anything-but", a);
                    }
                    case 2:
                        return op(
                          "anything-but",
                          op("prefix", boost::json::value(fragment(one_of(words())))));
                    case 3:
                        return op(
                          "anything-but",
                          op("suffix", boost::json::value(fragment(one_of(words())))));
                    case 4:
                        return op(
                          "anything-but",
                          op("equals-ignore-case", boost::json::value(one_of(words()))));
                    default:
                        return op(
                          "anything-but", op("wildcard", boost::json::value(wildcard_text())));
                }
            }
            case 7:
            case 8: {
                static const std::vector<std::string> lower = { ">", ">=" };
                static const std::vector<std::string> upper = { "<", "<=" };
                double a = one_of(numbers());
                double b = one_of(numbers());
                if (a > b) {
                    std::swap(a, b);
                }
                boost::json::array r;
                switch (pick(0, 3)) {
                    case 0:
                        r = { boost::json::value(one_of(lower)), number_value(a) };
                        break;
                    case 1:
                        r = { boost::json::value(one_of(upper)), number_value(b) };
                        break;
                    case 2:
                        r = { boost::json::value("="), number_value(a) };
                        break;
                    default:
                        r = { boost::json::value(">="),
                              number_value(a),
                              boost::json::value("<="),
                              number_value(b) };
                }
                return op("numeric", r);
            }
            case 9:
                return op("exists", chance(0.5));
            case 10: {
                static const std::vector<std::string> blocks
                  = { "10.0.0.0/24",   "10.0.0.0/8", "192.168.0.0/16",
                      "2001:db8::/32", "0.0.0.0/0",  "::1" };
                return op("cidr", boost::json::value(one_of(blocks)));
            }
            default:
                return scalar(k);
        }
    }

    boost::json::array value_list(value_type k)
    {
        boost::json::array list;
        for (int i = 0, n = pick(1, 3); i < n; ++i) {
            list.push_back(matcher_value(k));
        }
        return list;
    }

    static void
    set_path(boost::json::object& root, const std::vector<std::string>& path, boost::json::value v)
    {
        boost::json::object* at = &root;
        for (std::size_t i = 0; i + 1 < path.size(); ++i) {
            boost::json::value& next = (*at)[path[i]];
            if (!next.is_object()) {
                next = boost::json::object();
            }
            at = &next.as_object();
        }
        (*at)[path.back()] = std::move(v);
    }

    void fill_fields(boost::json::object& obj, int n)
    {
        for (int i = 0; i < n; ++i) {
            const field& f = one_of(fields());
            set_path(obj, f.path, value_list(f.kind));
        }
    }

    boost::json::array or_group(int depth)
    {
        boost::json::array alternatives;
        for (int i = 0, n = pick(2, 3); i < n; ++i) {
            boost::json::object alt;
            fill_fields(alt, pick(1, 2));
            if (depth > 1 && chance(0.3)) {
                alt["$or"] = or_group(depth - 1);
            }
            alternatives.push_back(alt);
        }
        return alternatives;
    }

    std::mt19937 _rng;
};

} // namespace sluice::pattern::test
