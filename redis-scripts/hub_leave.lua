-- hub_leave: a hub instance shutting down cleanly takes itself off the registry, so that it is
-- not later swept as lost. If it still lists connections (some could not be put offline), it
-- stays registered and the sweep offlines them with reason "hub_lost" once its liveness key
-- expires.
-- KEYS[1]  hubs key prefix "mi:<env>:{hubs}:"
-- ARGV[1]  hub instance
-- Reply:   1 when the instance left, 0 when it still holds connections
local prefix = KEYS[1]
if redis.call('SCARD', prefix .. 'conns:' .. ARGV[1]) > 0 then
  return 0
end
redis.call('SREM', prefix .. 'all', ARGV[1])
redis.call('DEL', prefix .. 'alive:' .. ARGV[1], prefix .. 'claims:' .. ARGV[1], prefix .. 'watchers:' .. ARGV[1])
return 1
