-- expire_leases: the presence leases of a colony that ended by now (a dropped socket's grace, an
-- HTTP beat, a health report) are settled: an agent with no socket and no lease left goes offline
-- with the reason of the lease that ended ("offline" event); one a socket or another lease holds
-- stays. Bounded per call; the reply says when to look again.
-- KEYS[1]  colony key prefix "mi:<env>:{c:<colony>}:"
-- ARGV[1]  now, ms since the epoch
-- ARGV[2]  how many ended leases to settle at most
-- ARGV[3]  event stream max length
-- Reply:   {the earliest lease end left in the colony (ms; 0: none), agents put offline}
local prefix = KEYS[1]
local now = tonumber(ARGV[1])
local due = redis.call('ZRANGEBYSCORE', prefix .. 'leases', '-inf', now, 'LIMIT', 0, tonumber(ARGV[2]))
local offlined = 0
for _, id in ipairs(due) do
  if redis.call('EXISTS', prefix .. 'agent:' .. id) == 0 then
    redis.call('ZREM', prefix .. 'leases', id)
  elseif settle_leases(prefix, id, now, ARGV[3]) > 0 then
    offlined = offlined + 1
  end
end
local first = redis.call('ZRANGE', prefix .. 'leases', 0, 0, 'WITHSCORES')
local next_end = 0
if #first == 2 then
  next_end = tonumber(first[2])
end
return {next_end, offlined}
