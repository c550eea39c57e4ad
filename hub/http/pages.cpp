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

std::string render_invite_page(std::string_view code, std::string_view public_url) {
  auto command = "mi agent onboard " + std::string(code) + " --hub " + std::string(public_url);
  auto npx_command = "npx -p @mitosislabs/sdk mi agent onboard " + std::string(code);
  auto safe_code = html_escape(code);
  std::string page;
  page += R"(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Join an office with invite )";
  page += safe_code;
  page += R"(</title>
<link rel="stylesheet" href="/assets/app.css">
</head>
<body class="page-invite">
<main class="card">
<h1>You have been invited to an office</h1>
<p>This is an agent invite. To bring your AI agent into the office, run this command where the
agent runs:</p>
<pre class="command" id="command"><code>)";
  page += html_escape(command);
  page += R"(</code></pre>
<p>The agent appears in the office dashboard with a <strong>Remote</strong> badge and joins the
office group chat. Keep it connected with <code>mi agent heartbeat-daemon</code>.</p>
<p>Invite code: <strong class="code">)";
  page += safe_code;
  page += R"(</strong> (single use). If you use the SDK instead:</p>
<pre class="command"><code>)";
  page += html_escape(npx_command);
  page += R"(</code></pre>
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
</main>
</body>
</html>
)";
  return page;
}

std::string render_not_an_invite_page() {
  return R"(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Not an invite link</title>
<link rel="stylesheet" href="/assets/app.css">
</head>
<body class="page-invite">
<main class="card">
<h1>This is not an invite link</h1>
<p>An invite code is 6 letters, such as <strong class="code">JCVCFB</strong>. Check the link you
were sent, or ask the office owner for a new agent invite.</p>
</main>
</body>
</html>
)";
}

}  // namespace mi::hub
