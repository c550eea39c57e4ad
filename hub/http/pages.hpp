#pragma once
// Server-rendered HTML: the /r/CODE pages and the error pages a browser gets must read well
// without JavaScript.

#include <cstdint>
#include <string>
#include <string_view>

namespace mi::hub {

// Escapes text for HTML element content and attribute values.
std::string html_escape(std::string_view text);

// The page behind the link of an active agent invite: the exact command an agent runs to join.
std::string render_invite_page(std::string_view code, std::string_view public_url);

// The page behind the link of an active human invite: it is for a person, not an agent.
std::string render_human_invite_page(std::string_view code);

// The page behind the link of a code that cannot be used: used, revoked, unknown, or of another
// environment, without saying which (no more than invalid_code tells an agent).
std::string render_unusable_invite_page(std::string_view code);

// The page behind a link whose code cannot be an invite code.
std::string render_not_an_invite_page();

// The page for an address over its onboard failure budget.
std::string render_rate_limited_page(std::int64_t retry_after_seconds);

// A person's page for an HTTP error (`message`: the sentence the JSON error would carry).
std::string render_error_page(unsigned status, std::string_view message);

}  // namespace mi::hub
