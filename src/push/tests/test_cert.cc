#include "test_cert.h"

#include <fstream>
#include <gtest/gtest.h>
#include <memory>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdexcept>
#include <unistd.h>

namespace sluice::push::test {
namespace {
template<class T, void (*Free)(T*)>
struct deleter
{
    void operator()(T* p) const { Free(p); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, deleter<EVP_PKEY, EVP_PKEY_free>>;
using x509_ptr = std::unique_ptr<X509, deleter<X509, X509_free>>;
using bio_ptr = std::unique_ptr<BIO, deleter<BIO, BIO_free_all>>;

void check(bool ok, const char* what)
{
    if (!ok) {
        throw std::runtime_error(std::string("make_self_signed: ") + what);
    }
}

void add_extension(X509* cert, int nid, const std::string& value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    check(ext != nullptr, "X509V3_EXT_conf_nid");
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
}

std::string bio_text(BIO* bio)
{
    char* data = nullptr;
    long n = BIO_get_mem_data(bio, &data);
    return std::string(data, static_cast<std::size_t>(n));
}
} // namespace

test_cert make_self_signed(
  const std::string& common_name,
  const std::vector<std::string>& dns_names)
{
    pkey_ptr key(EVP_EC_gen("P-256"));
    check(key != nullptr, "EVP_EC_gen");
    x509_ptr cert(X509_new());
    check(cert != nullptr, "X509_new");
    X509_set_version(cert.get(), 2); // v3
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 20261122);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600);
    check(X509_set_pubkey(cert.get(), key.get()) == 1, "X509_set_pubkey");
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(
      name,
      "CN",
      MBSTRING_ASC,
      reinterpret_cast<const unsigned char*>(common_name.c_str()),
      -1,
      -1,
      0);
    X509_set_issuer_name(cert.get(), name);
    std::string san;
    for (const auto& d : dns_names) {
        san += (san.empty() ? "DNS:" : ",DNS:") + d;
    }
    if (!san.empty()) {
        add_extension(cert.get(), NID_subject_alt_name, san);
    }
    add_extension(cert.get(), NID_basic_constraints, "critical,CA:TRUE");
    add_extension(cert.get(), NID_key_usage, "critical,digitalSignature,keyCertSign");
    add_extension(cert.get(), NID_subject_key_identifier, "hash");
    check(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0, "X509_sign");

    test_cert out;
    bio_ptr cert_bio(BIO_new(BIO_s_mem()));
    check(PEM_write_bio_X509(cert_bio.get(), cert.get()) == 1, "PEM_write_bio_X509");
    out.cert_pem = bio_text(cert_bio.get());
    bio_ptr key_bio(BIO_new(BIO_s_mem()));
    check(
      PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr)
        == 1,
      "PEM_write_bio_PrivateKey");
    out.key_pem = bio_text(key_bio.get());
    return out;
}

std::string write_temp_file(const std::string& name, const std::string& text)
{
    auto path = ::testing::TempDir() + "push_test_" + std::to_string(::getpid()) + "_" + name;
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f << text;
    check(f.good(), "write_temp_file");
    return path;
}

} // namespace sluice::push::test
