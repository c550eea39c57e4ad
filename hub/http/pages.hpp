#pragma once
// Server-rendered HTML: the /r/CODE page must read well without JavaScript.

#include <string>
#include <string_view>

namespace mi::hub {

// Escapes text for HTML element content and attribute values.
std::string html_escape(std::string_view text);

// The page behind an invite link: the exact command an agent runs to join.
std::string render_invite_page(std::string_view code, std::string_view public_url);

// The page behind a link whose code cannot be an invite code.
std::string render_not_an_invite_page();

}  // namespace mi::hub
