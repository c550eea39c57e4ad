#pragma once
// Messages a client (agent or watcher) sends over the WebSocket, parsed from one text frame.
// Free of I/O: the hub, the `mi` command line and the tests share it.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace mi::protocol {

// Field limits enforced while parsing. The frame size limit itself is the transport's business.
struct ParseLimits {
  std::size_t max_meta_bytes = 1024;     // `status.meta`, as minified JSON
  std::size_t max_chat_bytes = 4096;     // `chat.text`, UTF-8 bytes
  std::size_t max_field_bytes = 512;     // code, name, token, colony
};

struct OnboardRequest {
  std::string code;                 // as sent, upper-cased (validity is the hub's call)
  std::optional<std::string> name;  // already checked against is_valid_agent_name
};
struct HelloRequest {
  std::string token;
};
struct WatchRequest {
  std::string colony;  // already checked against is_valid_colony_id
  std::string token;
  std::optional<std::uint64_t> since;
  // The colony's event history the watcher's `since` belongs to (contract section 6); absent from
  // older clients, whose `since` is then trusted as long as the stream holds what follows it.
  std::optional<std::string> epoch;
};
struct HeartbeatRequest {};
struct PingRequest {};
struct StatusRequest {
  std::string meta_json;  // a JSON object, minified
};
struct CloneRequest {};
struct ChatRequest {
  std::string text;
};

using ClientRequest = std::variant<OnboardRequest, HelloRequest, WatchRequest, HeartbeatRequest,
                                   PingRequest, StatusRequest, CloneRequest, ChatRequest>;

struct ClientMessage {
  // The request's "id" exactly as it appeared (a JSON string with its quotes, or a number), to be
  // echoed verbatim in the reply; empty when the request had none.
  std::optional<std::string> id_json;
  ClientRequest request;
};

struct ParseError {
  std::string code;     // "bad_json" (not JSON, not an object, invalid UTF-8) or "bad_request"
  std::string message;  // a sentence for a human
  std::optional<std::string> id_json;  // echoed when the id could still be read
  std::string type;                    // the "type" of a bad_request, when it was a string
};

using ParseResult = std::variant<ClientMessage, ParseError>;

// Parses client frames. Holds a simdjson parser and a padded copy buffer that grow to the largest
// frame seen, so keep one per thread, not one per connection.
class ClientMessageParser {
 public:
  explicit ClientMessageParser(ParseLimits limits = {});
  ~ClientMessageParser();
  ClientMessageParser(const ClientMessageParser&) = delete;
  ClientMessageParser& operator=(const ClientMessageParser&) = delete;

  ParseResult parse(std::string_view frame);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The name of a request type as it appears on the wire ("onboard", "hello", ...).
std::string_view request_type_name(const ClientRequest& request);

}  // namespace mi::protocol
