-- lease_schedule: files a colony in the index of colonies with presence leases under the time its
-- next lease ends (only ever earlier than it is filed), so that the hubs' lease sweep
-- (lease_due.lua, expire_leases.lua) finds it then. Counts a generation per colony, so that a
-- sweep that read the colony before this lease was written does not file it later
-- (lease_reschedule.lua).
-- KEYS[1]  leases key prefix "mi:<env>:{leases}:" (due: zset colony -> ms; generation: hash)
-- ARGV[1]  colony
-- ARGV[2]  when its lease ends, ms
-- Reply:   1
local prefix = KEYS[1]
redis.call('ZADD', prefix .. 'due', 'LT', ARGV[2], ARGV[1])
redis.call('HINCRBY', prefix .. 'generation', ARGV[1], 1)
return 1
