-- list_hub_connection: records that a hub holds a connection, before the connection's agent is
-- marked connected, so that the connection is swept if the hub dies at any point after. Also
-- registers the hub (with a liveness key, if it has none yet), so that a hub that dies before
-- its first liveness beat is still found lost.
-- KEYS[1]  hubs key prefix "mi:<env>:{hubs}:"
-- ARGV[1]  hub instance
-- ARGV[2]  entry "colony connection-id"
-- ARGV[3]  liveness, ms
-- ARGV[4]  now, ms since the epoch
-- Reply:   1
local prefix = KEYS[1]
redis.call('SADD', prefix .. 'conns:' .. ARGV[1], ARGV[2])
redis.call('SADD', prefix .. 'all', ARGV[1])
redis.call('SET', prefix .. 'alive:' .. ARGV[1], ARGV[4], 'PX', ARGV[3], 'NX')
return 1
