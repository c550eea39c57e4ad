-- webhook_ack: a delivery of the colony's webhook events was answered 2xx (or given up after
-- --webhook-retry-for, or selected nothing): the cursor moves past it. Only by the lease holder,
-- so that a hub that lost its lease while its POST was out cannot move the cursor of the hub
-- that now delivers; the lease is renewed. A lease that lapsed with no other taker is still the
-- caller's: the cursor only moves forward within an epoch, so a late ack never undoes a later one.
-- KEYS[1]  colony key prefix "mi:<env>:{c:<colony>}:"
-- ARGV[1]  the hub's instance
-- ARGV[2]  the last seq the delivery accounts for
-- ARGV[3]  the epoch webhook_take gave with the events
-- ARGV[4]  the lease, ms; 0 leaves it as it is (a draining hub, which released its leases)
-- Reply:   1 when the cursor moved (or was already there), 0 when the caller no longer holds the lease
local prefix = KEYS[1]
local owner_key = prefix .. 'webhook:owner'
local owner = redis.call('GET', owner_key)
if owner and owner ~= ARGV[1] then
  return 0
end
local cursor_key = prefix .. 'webhook:cursor'
local cursor = redis.call('HMGET', cursor_key, 'seq', 'epoch')
local through = tonumber(ARGV[2])
if cursor[1] == false or cursor[2] ~= ARGV[3] or tonumber(cursor[1]) < through then
  redis.call('HSET', cursor_key, 'seq', through, 'epoch', ARGV[3])
end
if tonumber(ARGV[4]) > 0 then
  redis.call('SET', owner_key, ARGV[1], 'PX', ARGV[4])
end
return 1
