-- agent_disconnect: one socket of an agent is gone. When it was the agent's last one, the agent
-- goes offline with the reason given (event "offline"), at once, or, with a grace, when the grace
-- ends (expire_leases.lua) unless a socket of it comes back meanwhile (agent_connect.lua ends the
-- grace). An HTTP beat or a health report that still holds keeps it online either way. Unknown connections are ignored, so that
-- a sweep may offline a lost hub's connections more than once. A hub that gave up on a
-- connection (its hello or onboard got no answer in time) ends it with a tombstone TTL: should
-- the connect or redemption it abandoned still be waiting in a socket Redis has not read yet
-- (a stalled Redis), it finds the tombstone when it runs and changes nothing.
-- KEYS[1]  colony key prefix "mi:<env>:{c:<colony>}:"
-- ARGV[1]  connection id
-- ARGV[2]  reason: "closed" | "timeout" | "hub_lost" | "drained"
-- ARGV[3]  last_seen to record: the time of the socket's last frame, ms (0: unknown)
-- ARGV[4]  now, ms since the epoch
-- ARGV[5]  event stream max length
-- ARGV[6]  tombstone TTL, ms, written when the connection is unknown ("0" or absent: none)
-- ARGV[7]  grace, ms ("0" or absent: none): the socket dropped without the agent closing it
-- Reply:   {seq of the "offline" event or 0, end of the agent's earliest lease or 0}: 0 seq when
--          the agent stays online (or was not); a lease end for the hub to file the colony under
--          (lease_schedule.lua)
local prefix = KEYS[1]
local conn = ARGV[1]
local id = redis.call('HGET', prefix .. 'connections', conn)
if not id then
  local tombstone_ttl = tonumber(ARGV[6] or '0') or 0
  if tombstone_ttl > 0 then
    redis.call('SET', prefix .. 'ended:' .. conn, '1', 'PX', tombstone_ttl)
  end
  return {0, 0}
end
redis.call('HDEL', prefix .. 'connections', conn)
local conns = prefix .. 'conns:' .. id
redis.call('HDEL', conns, conn)
local agent_key = prefix .. 'agent:' .. id
local last_seen = tonumber(redis.call('HGET', agent_key, 'last_seen') or '0') or 0
if tonumber(ARGV[3]) > last_seen then
  redis.call('HSET', agent_key, 'last_seen', ARGV[3])
end
if redis.call('HLEN', conns) > 0 then
  return {0, 0}
end
local status = redis.call('HMGET', agent_key, 'status', 'colony')
if status[1] ~= 'online' then
  return {0, file_leases(prefix, id)}
end
local now = tonumber(ARGV[4])
local grace = tonumber(ARGV[7] or '0') or 0
if grace > 0 then
  redis.call('HSET', agent_key, 'grace_until', now + grace, 'grace_reason', ARGV[2])
  return {0, file_leases(prefix, id)}
end
redis.call('HDEL', agent_key, 'grace_until', 'grace_reason')
if leased_at(agent_key, now) then
  return {0, file_leases(prefix, id)}
end
file_leases(prefix, id)
redis.call('HSET', agent_key, 'status', 'offline', 'offline_reason', ARGV[2])
return {emit_event(prefix, status[2], ARGV[4], 'offline',
    ',"agent":' .. agent_json(prefix, id) .. ',"reason":' .. json_string(ARGV[2]), ARGV[5]), 0}
