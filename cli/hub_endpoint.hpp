#pragma once
// A hub to connect to: its address and, for an https:// one, the TLS context its certificate
// is verified with. Shared by every connection a command makes to that hub.

#include <memory>
#include <string>

#include "cli/hub_url.hpp"
#include "cli/tls.hpp"

namespace mi::cli {

class HubEndpoint {
 public:
  // For https:// the TLS context is made here, with `ca_file` (empty: the system's trust store
  // only); throws a usage CommandError when that file cannot be read. `ca_file` does not
  // matter to an http:// hub.
  HubEndpoint(HubUrl url, const std::string& ca_file);

  const HubUrl& url() const { return url_; }
  // The URL as messages show it and credentials keep it, scheme included.
  std::string text() const { return url_.text(); }
  // Null for http://.
  TlsClientContext* tls() const { return tls_.get(); }

 private:
  HubUrl url_;
  std::shared_ptr<TlsClientContext> tls_;
};

}  // namespace mi::cli
