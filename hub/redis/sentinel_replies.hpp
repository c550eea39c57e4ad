#pragma once
// What the sentinels say, read without I/O: where a master's primary is, and that it moved.

#include <optional>
#include <string_view>

#include "hub/redis/endpoint.hpp"
#include "hub/redis/reply.hpp"

namespace mi::redis {

// The reply to `SENTINEL get-master-addr-by-name MASTER`: [ip, port], or nil when the sentinel
// does not know the master. Nothing on nil, an error or anything malformed.
std::optional<HostPort> primary_address(const Reply& reply);

// A `+switch-master` message, "<master> <old ip> <old port> <new ip> <new port>": the new primary
// when it is about `master_name`, else nothing.
std::optional<HostPort> switched_primary(std::string_view payload, std::string_view master_name);

// Why the server that answered `ROLE` with `reply` must not be written to (a replica, a sentinel,
// a malformed answer); nothing when it is a primary.
std::optional<std::string> not_a_primary(const Reply& reply);

// The replicas connected to the primary that answered `ROLE` with `reply` (0 for anything else).
std::size_t connected_replicas(const Reply& reply);

}  // namespace mi::redis
