-- hub_heartbeat: a hub says it is alive. A hub whose liveness key expires is lost: the sweep
-- (claim_lost_hubs) then puts the agents it held offline with reason "hub_lost".
-- KEYS[1]  hubs key prefix "mi:<env>:{hubs}:"
-- ARGV[1]  hub id
-- ARGV[2]  liveness, ms: the key expires unless renewed within it
-- ARGV[3]  now, ms since the epoch
-- Reply:   1 when the hub was not registered (first beat, or it was swept as lost meanwhile and
--          must re-assert its sessions), else 0
local added = redis.call('SADD', KEYS[1] .. 'all', ARGV[1])
redis.call('SET', KEYS[1] .. 'alive:' .. ARGV[1], ARGV[3], 'PX', ARGV[2])
return added
