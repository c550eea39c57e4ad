#include "cli/tls.hpp"

#include <ctime>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <vector>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/error.hpp>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "cli/command_error.hpp"

namespace mi::cli {

namespace asio = boost::asio;

namespace {

// The OpenSSL error queue of this thread as one line ("PEM routines::no start line"), emptied.
std::string take_openssl_errors() {
  std::string text;
  while (const unsigned long code = ERR_get_error()) {
    char line[256];
    ERR_error_string_n(code, line, sizeof line);
    if (!text.empty()) text += "; ";
    text += line;
  }
  return text;
}

// Formats a certificate time like mi's other times: "2024-05-01T12:00:00Z".
std::string certificate_time(const ASN1_TIME* time) {
  std::tm parts{};
  if (time == nullptr || ASN1_TIME_to_tm(time, &parts) != 1) return "an unreadable date";
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

std::string name_text(const X509_NAME* name) {
  if (name == nullptr) return "an unnamed issuer";
  std::unique_ptr<BIO, decltype(&BIO_free)> memory(BIO_new(BIO_s_mem()), BIO_free);
  if (!memory || X509_NAME_print_ex(memory.get(), name, 0, XN_FLAG_RFC2253) < 0) return "an unreadable name";
  char* data = nullptr;
  const long size = BIO_get_mem_data(memory.get(), &data);
  return size > 0 ? std::string(data, static_cast<std::size_t>(size)) : "an empty name";
}

// The names a certificate is for: its DNS and IP subject alternative names, else its common
// name (which OpenSSL checks only when there are no DNS names).
std::vector<std::string> certificate_names(X509* certificate) {
  std::vector<std::string> names;
  auto* alternatives =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(certificate, NID_subject_alt_name, nullptr, nullptr));
  if (alternatives != nullptr) {
    for (int index = 0; index < sk_GENERAL_NAME_num(alternatives); ++index) {
      const GENERAL_NAME* entry = sk_GENERAL_NAME_value(alternatives, index);
      if (entry->type == GEN_DNS) {
        const ASN1_IA5STRING* dns = entry->d.dNSName;
        names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)),
                           static_cast<std::size_t>(ASN1_STRING_length(dns)));
      } else if (entry->type == GEN_IPADD) {
        const ASN1_OCTET_STRING* ip = entry->d.iPAddress;
        const unsigned char* bytes = ASN1_STRING_get0_data(ip);
        if (ASN1_STRING_length(ip) == 4) {
          asio::ip::address_v4::bytes_type v4;
          std::copy(bytes, bytes + 4, v4.begin());
          names.push_back(asio::ip::address_v4(v4).to_string());
        } else if (ASN1_STRING_length(ip) == 16) {
          asio::ip::address_v6::bytes_type v6;
          std::copy(bytes, bytes + 16, v6.begin());
          names.push_back(asio::ip::address_v6(v6).to_string());
        }
      }
    }
    GENERAL_NAMES_free(alternatives);
  }
  if (names.empty()) {
    const X509_NAME* subject = X509_get_subject_name(certificate);
    const int at = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
    if (at >= 0) {
      const ASN1_STRING* common_name = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, at));
      names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(common_name)),
                         static_cast<std::size_t>(ASN1_STRING_length(common_name)));
    }
  }
  return names;
}

std::string joined(const std::vector<std::string>& names) {
  std::string text;
  for (const auto& name : names) text += (text.empty() ? "" : ", ") + name;
  return text;
}

// The certificates the hub sent, its own first. OpenSSL keeps them even when verification fails.
std::vector<X509*> presented_chain(SSL* ssl) {
  std::vector<X509*> chain;
  if (STACK_OF(X509)* stack = SSL_get_peer_cert_chain(ssl)) {
    for (int index = 0; index < sk_X509_num(stack); ++index) chain.push_back(sk_X509_value(stack, index));
  }
  return chain;
}

constexpr const char* kCaFileAdvice =
    "If the hub uses a private certificate authority, pass that authority's certificate (PEM) with "
    "--ca-file FILE or the MI_CA_FILE environment variable.";

}  // namespace

TlsClientContext::TlsClientContext(const std::string& ca_file) : context_(asio::ssl::context::tls_client) {
  SSL_CTX* handle = context_.native_handle();
  ERR_clear_error();
  if (SSL_CTX_set_min_proto_version(handle, TLS1_2_VERSION) != 1) {
    throw std::runtime_error("OpenSSL refused TLS 1.2 as the lowest version: " + take_openssl_errors());
  }
  // The system's trust store: on Debian, /etc/ssl/certs from ca-certificates (or SSL_CERT_FILE
  // and SSL_CERT_DIR when set).
  if (SSL_CTX_set_default_verify_paths(handle) != 1) {
    throw std::runtime_error("OpenSSL could not find the system's trust store: " + take_openssl_errors());
  }
  if (!ca_file.empty()) {
    std::error_code not_there;
    if (!std::filesystem::is_regular_file(ca_file, not_there)) {
      throw usage_error("--ca-file " + ca_file + " (or MI_CA_FILE) is not a file: give the PEM certificate of "
                        "the authority that issued the hub's certificate.");
    }
    if (SSL_CTX_load_verify_locations(handle, ca_file.c_str(), nullptr) != 1) {
      throw usage_error("--ca-file " + ca_file + " (or MI_CA_FILE) could not be read as PEM certificates (" +
                        take_openssl_errors() + "): give the PEM certificate of the authority that issued the "
                        "hub's certificate.");
    }
  }
  SSL_CTX_set_verify(handle, SSL_VERIFY_PEER, nullptr);
  // The hub speaks HTTP/1.1 (WebSocket upgrades included), so that is all mi offers.
  static const unsigned char kHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  if (SSL_CTX_set_alpn_protos(handle, kHttp11, sizeof kHttp11) != 0) {  // 0 is success here
    throw std::runtime_error("OpenSSL refused the ALPN protocol list: " + take_openssl_errors());
  }
}

void prepare_tls_connection(SSL* ssl, const std::string& host) {
  ERR_clear_error();
  boost::system::error_code not_an_address;
  asio::ip::make_address(host, not_an_address);
  bool done = false;
  if (!not_an_address) {
    // An address: checked against the certificate's IP names. SNI carries host names only
    // (RFC 6066), so none is sent.
    done = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str()) == 1;
  } else {
    SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    done = SSL_set_tlsext_host_name(ssl, host.c_str()) == 1 && SSL_set1_host(ssl, host.c_str()) == 1;
  }
  if (!done) {
    throw std::runtime_error("OpenSSL could not take " + host + " as the name to verify the hub's certificate "
                             "against: " + take_openssl_errors());
  }
}

std::optional<CertificateProblem> certificate_problem(SSL* ssl, const std::string& host) {
  const long result = SSL_get_verify_result(ssl);
  if (result == X509_V_OK) return std::nullopt;
  // OpenSSL's own words always come first: they are what people search for.
  CertificateProblem problem{X509_verify_cert_error_string(result), {}};
  const auto chain = presented_chain(ssl);
  X509* leaf = chain.empty() ? nullptr : chain.front();

  switch (result) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
      for (X509* certificate : chain) {
        if (X509_cmp_current_time(X509_get0_notAfter(certificate)) < 0) {
          const std::string whose =
              certificate == leaf ? "it" : name_text(X509_get_subject_name(certificate)) + " in its chain";
          problem.reason += "; " + whose + " expired on " + certificate_time(X509_get0_notAfter(certificate));
          break;
        }
      }
      problem.advice = "The hub's operator must renew the certificate. If it was renewed, check this machine's clock.";
      break;
    case X509_V_ERR_CERT_NOT_YET_VALID:
      if (leaf != nullptr) problem.reason += "; it is valid from " + certificate_time(X509_get0_notBefore(leaf));
      problem.advice = "Check this machine's clock, and the date the hub's certificate was issued for.";
      break;
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
      if (leaf != nullptr) {
        const auto names = certificate_names(leaf);
        problem.reason += names.empty() ? "; it names no host" : "; it is for " + joined(names) + ", not " + host;
      }
      problem.advice = "Give --hub (or MI_HUB) the host name the certificate was issued for, or have the hub's "
                       "operator add " + host + " to its certificate.";
      break;
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
      problem.reason += "; it is signed by itself, not by an authority this machine trusts";
      problem.advice = std::string(kCaFileAdvice) + " A self-signed certificate that you trust can be passed that way "
                       "itself.";
      break;
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
      if (leaf != nullptr) {
        const X509* top = chain.back();
        problem.reason +=
            "; it was issued by " + name_text(X509_get_issuer_name(top)) + ", which this machine does not trust";
      }
      problem.advice = kCaFileAdvice;
      break;
    default:
      problem.advice = "The hub's certificate must be fixed by its operator.";
      break;
  }
  return problem;
}

std::string describe_tls_failure(const boost::system::error_code& error) {
  std::string text = "TLS handshake failed: " + error.message();
  if (error.category() == asio::error::get_ssl_category()) {
    // Most often the port serves plain HTTP, or something that is not a hub at all.
    text += "; does the hub serve https:// on that port?";
  }
  return text;
}

}  // namespace mi::cli
