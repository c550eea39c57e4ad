#include "tests/support/test_certificates.hpp"

#include <array>
#include <cstdio>
#include <fstream>
#include <stdexcept>

#include <sys/wait.h>

namespace mi::test {

namespace {

// Runs a shell command line; throws with its output when it fails.
void run(const std::string& command) {
  std::string output;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("cannot run: " + command);
  std::array<char, 512> chunk{};
  while (fgets(chunk.data(), chunk.size(), pipe) != nullptr) output += chunk.data();
  int status = pclose(pipe);
  if (status != 0) throw std::runtime_error("failed (" + std::to_string(status) + "): " + command + "\n" + output);
}

std::string quote(const std::filesystem::path& path) { return "'" + path.string() + "'"; }

}  // namespace

TestCertificates::TestCertificates() {
  auto dir = dir_.path();
  ca_file_ = (dir / "ca.pem").string();
  ca_key_ = (dir / "ca.key").string();
  run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj '/CN=mi test CA' "
      "-keyout " + quote(ca_key_) + " -out " + quote(ca_file_));
  server_ = issue("server", "IP:127.0.0.1,DNS:localhost", false);
  server_again_ = issue("server-again", "IP:127.0.0.1,DNS:localhost", false);
  expired_ = issue("expired", "IP:127.0.0.1,DNS:localhost", true);
  other_name_ = issue("other-name", "DNS:other.example", false);
  self_signed_.cert = (dir / "self-signed.pem").string();
  self_signed_.key = (dir / "self-signed.key").string();
  run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj '/CN=127.0.0.1' "
      "-addext 'subjectAltName=IP:127.0.0.1,DNS:localhost' -keyout " + quote(self_signed_.key) + " -out " +
      quote(self_signed_.cert));
}

CertificatePair TestCertificates::issue(const std::string& name, const std::string& san, bool expired) {
  auto dir = dir_.path();
  CertificatePair pair{(dir / (name + ".pem")).string(), (dir / (name + ".key")).string()};
  auto request = dir / (name + ".csr");
  auto extensions = dir / (name + ".ext");
  std::ofstream(extensions) << "subjectAltName=" << san << "\nextendedKeyUsage=serverAuth\n";
  run("openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj '/CN=" + name + "' -keyout " +
      quote(pair.key) + " -out " + quote(request));
  // An expired certificate: valid for one day, ending yesterday (x509 -not_before/-not_after
  // need OpenSSL 3.4; `ca` takes explicit dates in every version).
  if (expired) {
    auto ca_dir = dir / ("ca-" + name);
    std::filesystem::create_directories(ca_dir);
    std::ofstream(ca_dir / "index.txt");
    std::ofstream(ca_dir / "serial") << "1000\n";
    std::ofstream(ca_dir / "ca.cnf") << "[ca]\ndefault_ca=test\n[test]\ndir=" << ca_dir.string()
                                     << "\ndatabase=$dir/index.txt\nserial=$dir/serial\nnew_certs_dir=$dir\n"
                                        "default_md=sha256\npolicy=any\ncopy_extensions=copy\n[any]\ncommonName=supplied\n";
    run("openssl ca -batch -config " + quote(ca_dir / "ca.cnf") + " -cert " + quote(ca_file_) + " -keyfile " +
        quote(ca_key_) + " -startdate 20200101000000Z -enddate 20200102000000Z -extfile " + quote(extensions) +
        " -in " + quote(request) + " -out " + quote(pair.cert));
    return pair;
  }
  run("openssl x509 -req -days 2 -CA " + quote(ca_file_) + " -CAkey " + quote(ca_key_) + " -CAcreateserial -extfile " +
      quote(extensions) + " -in " + quote(request) + " -out " + quote(pair.cert));
  return pair;
}

}  // namespace mi::test
