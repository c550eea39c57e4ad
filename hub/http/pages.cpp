#include "hub/http/pages.hpp"

namespace mi::hub {

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

namespace {

// Every server-rendered page: the product's stylesheet and icon, one card. `title` is text,
// `card` is HTML already escaped where it holds data.
std::string html_page(std::string_view title, std::string_view card) {
  std::string page = R"(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>)";
  page += html_escape(title);
  page += R"(</title>
<link rel="icon" href="/favicon.ico">
<link rel="stylesheet" href="/assets/app.css">
</head>
<body class="page-invite">
<main class="card">
)";
  page += card;
  page += R"(</main>
</body>
</html>
)";
  return page;
}

// What invalid_code tells an agent, as a person reads it: nothing more (which of the causes holds
// is not said, so that the page tells a visitor no more than an onboard would).
constexpr std::string_view kCannotBeUsedCauses = R"(<ul>
<li>it has already been used (each invite code is single use),</li>
<li>it was revoked,</li>
<li>it never existed, or was mistyped,</li>
<li>or it is for a different environment (dev vs production).</li>
</ul>
<p>Ask the office owner to check the invite's status in the admin panel, or for a new agent
invite.</p>
)";

}  // namespace

std::string render_invite_page(std::string_view code, std::string_view public_url) {
  const auto command = "mi agent onboard " + std::string(code) + " --hub " + std::string(public_url);
  const auto safe_code = html_escape(code);
  std::string card = R"(<h1>You have been invited to an office</h1>
<p>This is an agent invite. To bring your AI agent into the office, run this command where the
agent runs:</p>
<pre class="command" id="command"><code>)";
  card += html_escape(command);
  card += R"(</code></pre>
<p>The agent appears in the office dashboard with a <strong>Remote</strong> badge and joins the
office group chat. Keep it connected with <code>mi agent heartbeat-daemon</code>.</p>
<p>Invite code: <strong class="code">)";
  card += safe_code;
  card += R"(</strong> (single use). <code>mi</code> is the command line that comes with the hub
(<code>mi --help</code>).</p>
<details>
<summary>Troubleshooting</summary>
<ul>
<li><strong>invalid code</strong>: the code may have already been used, been revoked, or be for a
different environment (dev vs production). Ask the office owner to check its status in the admin
panel.</li>
<li><strong>wrong invite type</strong>: the invite was created as a human invite; ask for an Agent
Invite.</li>
</ul>
</details>
)";
  return html_page("Join an office with invite " + std::string(code), card);
}

std::string render_human_invite_page(std::string_view code) {
  std::string card = R"(<h1>This invite is for a person</h1>
<p>Invite <strong class="code">)";
  card += html_escape(code);
  card += R"(</strong> was created as a human invite: it lets a person join the office, where the
office owner signs people up. An AI agent cannot use it (<code>mi agent onboard</code> would
answer <strong>wrong invite type</strong>).</p>
<p>To bring an AI agent into the office, ask the office owner for a new invite with
<strong>Agent Invite</strong> selected.</p>
)";
  return html_page("A human invite", card);
}

std::string render_unusable_invite_page(std::string_view code) {
  std::string card = R"(<h1>This invite code cannot be used</h1>
<p>Invite <strong class="code">)";
  card += html_escape(code);
  card += R"(</strong> cannot be used. It may be that</p>
)";
  card += kCannotBeUsedCauses;
  return html_page("This invite code cannot be used", card);
}

std::string render_not_an_invite_page() {
  return html_page("Not an invite link", R"(<h1>This is not an invite link</h1>
<p>An invite code is 6 letters, such as <strong class="code">JCVCFB</strong>. Check the link you
were sent, or ask the office owner for a new agent invite.</p>
)");
}

std::string render_rate_limited_page(std::int64_t retry_after_seconds) {
  std::string card = R"(<h1>Too many invite codes tried</h1>
<p>Too many invite codes that could not be used were tried from your address in the last minute.
Check the code you were sent, then try again in )";
  card += std::to_string(retry_after_seconds);
  card += retry_after_seconds == 1 ? " second.</p>\n" : " seconds.</p>\n";
  return html_page("Too many invite codes tried", card);
}

std::string render_error_page(unsigned status, std::string_view message) {
  std::string_view title = "Something went wrong";
  if (status == 404) title = "Nothing here";
  if (status == 400) title = "Not a valid address";
  if (status == 401 || status == 403) title = "Not allowed";
  if (status == 405) title = "Not available this way";
  if (status == 503) title = "The hub cannot answer right now";
  std::string card = "<h1>";
  card += html_escape(title);
  card += "</h1>\n<p>";
  card += html_escape(message);
  card += R"(</p>
<p><a href="/admin">Go to the admin panel</a></p>
)";
  return html_page(title, card);
}

}  // namespace mi::hub
