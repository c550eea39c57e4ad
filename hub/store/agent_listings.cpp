#include "hub/store/agent_listings.hpp"

#include <algorithm>
#include <charconv>
#include <span>

#include "hub/core/crypto.hpp"
#include "hub/redis/args.hpp"
#include "hub/store/redis_failure.hpp"

namespace mi::hub {

namespace asio = boost::asio;

namespace {

constexpr std::size_t kListingIdHexDigits = 16;

std::string new_listing_id() {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  for (unsigned char byte : random_bytes(kListingIdHexDigits / 2)) {
    id.push_back(kHex[byte >> 4]);
    id.push_back(kHex[byte & 0x0f]);
  }
  return id;
}

ApiError cursor_expired() {
  return ApiError{410, "cursor_expired",
                  "This cursor's listing has lapsed (a listing lives 60 s after its last page); list again "
                  "without a cursor."};
}

}  // namespace

std::string ListingCursor::to_string() const { return listing + "." + std::to_string(offset); }

std::optional<ListingCursor> ListingCursor::parse(std::string_view text) {
  auto dot = text.find('.');
  if (dot != kListingIdHexDigits) return std::nullopt;
  ListingCursor cursor;
  cursor.listing = std::string(text.substr(0, dot));
  if (!std::all_of(cursor.listing.begin(), cursor.listing.end(),
                   [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); })) {
    return std::nullopt;
  }
  auto digits = text.substr(dot + 1);
  if (digits.empty() || digits.size() > 9) return std::nullopt;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), cursor.offset);
  if (ec != std::errc{} || end != digits.data() + digits.size()) return std::nullopt;
  return cursor;
}

asio::awaitable<Outcome<AgentPage>> AgentListings::first_page(redis::Connection& redis, const std::string& colony,
                                                              ColonySnapshot snapshot, std::size_t limit,
                                                              std::int64_t now_ms) {
  AgentPage page;
  page.seq = snapshot.seq;
  page.epoch = snapshot.epoch;
  const std::span<const std::string> agents(snapshot.agent_jsons);
  if (agents.size() > limit) {
    auto id = new_listing_id();
    auto opened = co_await redis.eval(
        "listing_open", mi::redis::args(keys_.colony_prefix(colony)),
        mi::redis::args(id, std::to_string(now_ms), std::to_string(kListingTtlMs), std::to_string(kListingsPerColony),
                        std::to_string(snapshot.seq), snapshot.epoch));
    if (redis_failed(opened)) co_return describe_redis_failure(opened);
    if (!opened.reply.is_array() || opened.reply.elements.empty()) co_return unexpected_reply();
    if (opened.reply.elements[0].str == "full") {
      auto wait_s = opened.reply.elements.size() > 1 ? opened.reply.elements[1].integer / 1000 + 1 : 60;
      co_return ApiError{429, "rate_limited",
                         "Colony " + colony + " has " + std::to_string(kListingsPerColony) +
                             " paged listings open; finish one, or retry in " + std::to_string(wait_s) + " s."};
    }
    // Every agent from the first goes in, so that a cursor's offset is the agent's index.
    for (std::size_t first = 0; first < agents.size(); first += kAppendChunk) {
      auto chunk = agents.subspan(first, std::min(kAppendChunk, agents.size() - first));
      std::vector<std::string> argv;
      argv.reserve(chunk.size() + 1);
      argv.push_back(id);
      argv.insert(argv.end(), chunk.begin(), chunk.end());
      auto appended = co_await redis.eval("listing_append", mi::redis::args(keys_.colony_prefix(colony)), argv);
      if (redis_failed(appended)) co_return describe_redis_failure(appended);
      if (!appended.reply.is_array() || appended.reply.elements.empty() || appended.reply.elements[0].str != "ok") {
        co_return unexpected_reply();
      }
    }
    page.next_cursor = ListingCursor{id, limit}.to_string();
  }
  // The listing has its copy: the page takes the first agents of the reading itself.
  snapshot.agent_jsons.resize(std::min(limit, snapshot.agent_jsons.size()));
  page.agent_jsons = std::move(snapshot.agent_jsons);
  co_return page;
}

asio::awaitable<Outcome<AgentPage>> AgentListings::page(redis::Connection& redis, const std::string& colony,
                                                        const ListingCursor& cursor, std::size_t limit,
                                                        std::int64_t now_ms) {
  auto result = co_await redis.eval(
      "listing_page", mi::redis::args(keys_.colony_prefix(colony)),
      mi::redis::args(cursor.listing, std::to_string(cursor.offset), std::to_string(limit), std::to_string(now_ms),
                      std::to_string(kListingTtlMs), std::to_string(kAfterLastPageMs)));
  if (redis_failed(result)) co_return describe_redis_failure(result);
  auto& reply = result.reply;
  if (!reply.is_array() || reply.elements.empty()) co_return unexpected_reply();
  if (reply.elements[0].str == "gone") co_return cursor_expired();
  if (reply.elements.size() < 4) co_return unexpected_reply();
  AgentPage page;
  page.seq = static_cast<std::uint64_t>(reply.elements[1].integer);
  page.epoch = std::move(reply.elements[2].str);
  auto total = static_cast<std::uint64_t>(reply.elements[3].integer);
  for (std::size_t i = 4; i < reply.elements.size(); ++i) page.agent_jsons.push_back(std::move(reply.elements[i].str));
  auto next = cursor.offset + page.agent_jsons.size();
  if (next < total && !page.agent_jsons.empty()) page.next_cursor = ListingCursor{cursor.listing, next}.to_string();
  co_return page;
}

}  // namespace mi::hub
