-- listing_open: starts a paged listing of a colony's agents (GET /v1/colonies/{c}/agents with
-- more agents than one page). The hub read the colony at one seq (colony_slice.lua); the listing
-- keeps that reading so that every page describes that seq (docs/protocol.md section 8). The hub
-- then adds the agents in chunks (listing_append.lua) and serves pages (listing_page.lua). A
-- listing lapses ARGV[3] after its last use (a few seconds after its last page); a colony holds at
-- most ARGV[4] unfinished at once, since each is as large as the colony.
-- KEYS[1]  colony key prefix "mi:<env>:{c:<colony>}:"
-- ARGV[1]  listing id (16 hex digits)
-- ARGV[2]  now, ms since the epoch
-- ARGV[3]  time to live, ms
-- ARGV[4]  at most this many listings open in the colony
-- ARGV[5]  the seq the listing describes
-- ARGV[6]  the epoch that seq counts in
-- Reply:   {"ok"} | {"full", ms until the next listing lapses}
local prefix = KEYS[1]
local index = prefix .. 'listings'
local now = tonumber(ARGV[2])
local ttl = tonumber(ARGV[3])
local soonest = nil
local open = 0
for id, lapses in pairs(hash_to_table(redis.call('HGETALL', index))) do
  lapses = tonumber(lapses)
  if lapses <= now or redis.call('EXISTS', prefix .. 'listing:' .. id) == 0 then
    redis.call('HDEL', index, id)
  else
    open = open + 1
    if not soonest or lapses < soonest then
      soonest = lapses
    end
  end
end
if open >= tonumber(ARGV[4]) then
  return {'full', soonest - now}
end
local key = prefix .. 'listing:' .. ARGV[1]
redis.call('DEL', key)
redis.call('RPUSH', key, ARGV[5] .. ' ' .. ARGV[6])
redis.call('PEXPIRE', key, ttl)
redis.call('HSET', index, ARGV[1], now + ttl)
redis.call('PEXPIRE', index, ttl)
return {'ok'}
