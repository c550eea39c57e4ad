-- listing_page: one page of a listing (listing_open.lua), and its time to live starts again. The
-- last page ends the listing: it no longer counts against the colony's bound, and lives only
-- ARGV[6] more, for a retry of that page.
-- KEYS[1]  colony key prefix "mi:<env>:{c:<colony>}:"
-- ARGV[1]  listing id
-- ARGV[2]  offset: the index of the first agent wanted (0-based)
-- ARGV[3]  at most this many agents
-- ARGV[4]  now, ms since the epoch
-- ARGV[5]  time to live, ms
-- ARGV[6]  time to live after the last page, ms
-- Reply:   {"ok", seq, epoch, agents in the listing, AGENT json...} | {"gone"} (it lapsed, or
--          there is no such listing in this colony)
local prefix = KEYS[1]
local key = prefix .. 'listing:' .. ARGV[1]
local header = redis.call('LINDEX', key, 0)
if not header then
  return {'gone'}
end
local ttl = tonumber(ARGV[5])
local total = redis.call('LLEN', key) - 1
local first = tonumber(ARGV[2]) + 1
local last = first + tonumber(ARGV[3]) - 1
if last >= total then
  redis.call('PEXPIRE', key, tonumber(ARGV[6]))
  redis.call('HDEL', prefix .. 'listings', ARGV[1])
else
  redis.call('PEXPIRE', key, ttl)
  redis.call('HSET', prefix .. 'listings', ARGV[1], tonumber(ARGV[4]) + ttl)
  redis.call('PEXPIRE', prefix .. 'listings', ttl)
end
local seq, epoch = string.match(header, '^(%d+) (.*)$')
local reply = {'ok', tonumber(seq), epoch, total}
for _, agent in ipairs(redis.call('LRANGE', key, first, last)) do
  table.insert(reply, agent)
end
return reply
