-- publish_watcher_counts: a hub instance says how many watchers of each colony it holds, so that
-- GET /v1/colonies/{colony}/stats can sum them across hubs (count_watchers.lua). One hash per
-- instance, watchers:<instance> (colony -> count), that expires with the instance's liveness
-- unless published again: a hub that dies takes its counts with it.
-- KEYS[1]  hubs key prefix "mi:<env>:{hubs}:"
-- ARGV[1]  hub instance "<hub id>#<nonce>"
-- ARGV[2]  lifetime of the hash, ms
-- ARGV[3…] colony, count, colony, count, ... (a count of 0 removes the colony)
-- Reply:   1 when the hash did not exist before this call (expired, or Redis lost it: the hub
--          then publishes all its counts again), else 0
local key = KEYS[1] .. 'watchers:' .. ARGV[1]
local missing = redis.call('EXISTS', key) == 0 and 1 or 0
for i = 3, #ARGV - 1, 2 do
  if tonumber(ARGV[i + 1]) > 0 then
    redis.call('HSET', key, ARGV[i], ARGV[i + 1])
  else
    redis.call('HDEL', key, ARGV[i])
  end
end
if redis.call('EXISTS', key) == 1 then
  redis.call('PEXPIRE', key, ARGV[2])
end
return missing
