-- listing_append: adds agents, in order, to a listing listing_open.lua started. The hub adds a
-- large colony in chunks, so that no call holds Redis long.
-- KEYS[1]  colony key prefix "mi:<env>:{c:<colony>}:"
-- ARGV[1]  listing id
-- ARGV[2..] AGENT json
-- Reply:   {"ok", agents in the listing} | {"gone"} (it lapsed)
local key = KEYS[1] .. 'listing:' .. ARGV[1]
if redis.call('EXISTS', key) == 0 then
  return {'gone'}
end
local length = 0
for first = 2, #ARGV, 1000 do
  length = redis.call('RPUSH', key, unpack(ARGV, first, math.min(first + 999, #ARGV)))
end
return {'ok', length - 1}
