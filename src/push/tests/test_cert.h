#pragma once

// A self-signed certificate made at test time with the OpenSSL C API (no files in the repo, no
// openssl binary): an EC P-256 key and an X.509 v3 certificate, CA:TRUE so it can be its own
// trust anchor in a CA file.

#include <string>
#include <vector>

namespace sluice::push::test {

struct test_cert
{
    std::string cert_pem;
    std::string key_pem;
};

/// Subject CN = `common_name`; one subjectAltName DNS entry per `dns_names`; valid from an hour
/// ago for a day. Throws std::runtime_error if OpenSSL fails.
test_cert make_self_signed(
  const std::string& common_name,
  const std::vector<std::string>& dns_names);

/// Writes `text` to a new file under the GoogleTest temp dir; returns its path.
std::string write_temp_file(const std::string& name, const std::string& text);

} // namespace sluice::push::test
