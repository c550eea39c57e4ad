#pragma once
// Certificates for TLS tests, made with the openssl command into a temporary directory: a private
// CA and, signed by it, certificates for 127.0.0.1 and localhost (a current one, a second current
// one for reload tests, an expired one, one for another name), and a self-signed one. ECDSA P-256
// keys: quick to make and to handshake with.

#include <filesystem>
#include <string>

#include "tests/support/temp_dir.hpp"

namespace mi::test {

struct CertificatePair {
  std::string cert;  // PEM chain file
  std::string key;   // PEM key file
};

class TestCertificates {
 public:
  // Throws std::runtime_error with openssl's output when a command fails.
  TestCertificates();

  const std::string& ca_file() const { return ca_file_; }
  const CertificatePair& server() const { return server_; }          // CN/SAN 127.0.0.1, localhost
  const CertificatePair& server_again() const { return server_again_; }  // the same names, another key
  const CertificatePair& expired() const { return expired_; }        // valid names, expired
  const CertificatePair& other_name() const { return other_name_; }  // SAN other.example only
  const CertificatePair& self_signed() const { return self_signed_; }  // 127.0.0.1, no CA
  std::filesystem::path directory() const { return dir_.path(); }

 private:
  CertificatePair issue(const std::string& name, const std::string& san, bool expired);

  TempDir dir_{"mi-pki"};
  std::string ca_file_;
  std::string ca_key_;
  CertificatePair server_, server_again_, expired_, other_name_, self_signed_;
};

}  // namespace mi::test
