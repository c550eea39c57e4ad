-- hub_heartbeat: a hub instance says it is alive. An instance whose liveness key expires is lost:
-- the sweep (claim_lost_hubs) then puts the agents it held offline with reason "hub_lost".
-- KEYS[1]  hubs key prefix "mi:<env>:{hubs}:"
-- ARGV[1]  hub instance "<hub id>#<nonce>"
-- ARGV[2]  liveness, ms: the key expires unless renewed within it
-- ARGV[3]  now, ms since the epoch (the hub's clock; stored as the key's value, for people)
-- Reply:   {1 when the instance was not registered (its first beat, or it was claimed as lost, or
--          Redis lost its data) else 0, how many times sweeps have claimed the instance, Redis'
--          clock (TIME) in ms, from which the hub learns how its clock reads on Redis'}
local prefix = KEYS[1]
local liveness = tonumber(ARGV[2])
local now = hubs_clock(prefix, liveness)
redis.call('SET', prefix .. 'heard', now)
local added = redis.call('SADD', prefix .. 'all', ARGV[1])
redis.call('SET', prefix .. 'alive:' .. ARGV[1], ARGV[3], 'PX', liveness)
local claims = tonumber(redis.call('GET', prefix .. 'claims:' .. ARGV[1]) or '0')
return {added, claims, now}
