-- lease_reschedule: after a sweep settled a colony's ended leases (expire_leases.lua), files the
-- colony under its next lease end, or takes it out of the index when it has none, unless a lease
-- was filed since the sweep read the generation: then the colony stays due, and the next sweep
-- reads it again.
-- KEYS[1]  leases key prefix "mi:<env>:{leases}:"
-- ARGV[1]  colony
-- ARGV[2]  its generation when the sweep began (lease_due.lua)
-- ARGV[3]  its next lease end, ms (0: none)
-- Reply:   1 when filed as told, 0 when left due
local prefix = KEYS[1]
local generation = redis.call('HGET', prefix .. 'generation', ARGV[1]) or '0'
if generation ~= ARGV[2] then
  return 0
end
if ARGV[3] == '0' then
  redis.call('ZREM', prefix .. 'due', ARGV[1])
  redis.call('HDEL', prefix .. 'generation', ARGV[1])
else
  redis.call('ZADD', prefix .. 'due', 'XX', ARGV[3], ARGV[1])
end
return 1
