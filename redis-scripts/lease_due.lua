-- lease_due: the colonies whose filed lease time has come, for a hub's lease sweep, each with
-- its generation (lease_schedule.lua), which the sweep hands back to lease_reschedule.lua.
-- Several hubs may sweep the same colony at once: settling a lease is idempotent.
-- KEYS[1]  leases key prefix "mi:<env>:{leases}:"
-- ARGV[1]  now, ms since the epoch
-- ARGV[2]  how many colonies at most
-- Reply:   {colony, generation, colony, generation, ...}
local prefix = KEYS[1]
local colonies = redis.call('ZRANGEBYSCORE', prefix .. 'due', '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
local reply = {}
for _, colony in ipairs(colonies) do
  table.insert(reply, colony)
  table.insert(reply, redis.call('HGET', prefix .. 'generation', colony) or '0')
end
return reply
