#include "cli/hub_endpoint.hpp"

namespace mi::cli {

HubEndpoint::HubEndpoint(HubUrl url, const std::string& ca_file)
    : url_(std::move(url)), tls_(url_.tls ? std::make_shared<TlsClientContext>(ca_file) : nullptr) {}

}  // namespace mi::cli
