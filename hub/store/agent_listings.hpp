#pragma once
// The paged agents list (GET /v1/colonies/{colony}/agents, docs/protocol.md section 8): every page
// describes the seq of the first. The first page's request reads the colony at one seq
// (AgentStore::snapshot); when the colony fills more than one page, that reading is kept in Redis
// as a listing (redis-scripts/listing_*.lua), written in chunks, and the cursor names it and the
// offset of the next page. Any hub serves any page. A listing lapses kListingTtlMs after its last
// use, or kAfterLastPageMs after its last page is read; a colony holds at most kListingsPerColony
// unfinished ones at once (each is as large as the colony), and a request over that is told when
// to retry.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "hub/core/api_error.hpp"
#include "hub/core/snapshot_assembly.hpp"
#include "hub/redis/connection.hpp"
#include "hub/store/keys.hpp"

namespace mi::hub {

// "<listing id>.<offset>": the listing (16 hex digits) and the index of the page's first agent.
struct ListingCursor {
  std::string listing;
  std::uint64_t offset = 0;

  std::string to_string() const;
  // Nothing when `text` is not a cursor this hub makes.
  static std::optional<ListingCursor> parse(std::string_view text);
};

struct AgentPage {
  std::uint64_t seq = 0;
  std::string epoch;
  std::vector<std::string> agent_jsons;
  std::optional<std::string> next_cursor;  // none on the last page
};

class AgentListings {
 public:
  static constexpr std::int64_t kListingTtlMs = 60'000;
  static constexpr std::int64_t kAfterLastPageMs = 5'000;  // a retry of the last page still works
  static constexpr std::int64_t kListingsPerColony = 8;
  static constexpr std::size_t kAppendChunk = 1000;  // agents per listing_append call

  explicit AgentListings(const Keys& keys) : keys_(keys) {}

  // The first page of `limit` agents of a colony read at one seq; keeps the rest as a listing
  // when there is more. rate_limited when the colony holds too many listings.
  boost::asio::awaitable<Outcome<AgentPage>> first_page(redis::Connection& redis, const std::string& colony,
                                                        ColonySnapshot snapshot, std::size_t limit,
                                                        std::int64_t now_ms);

  // The page at `cursor`. cursor_expired (410) when its listing has lapsed.
  boost::asio::awaitable<Outcome<AgentPage>> page(redis::Connection& redis, const std::string& colony,
                                                  const ListingCursor& cursor, std::size_t limit, std::int64_t now_ms);

 private:
  const Keys& keys_;
};

}  // namespace mi::hub
