-- agent_disconnect: one socket of an agent is gone. When it was the agent's last one, the agent
-- goes offline with the reason given (event "offline").
-- KEYS[1]  colony key prefix "mi:<env>:{c:<colony>}:"
-- ARGV[1]  agent id
-- ARGV[2]  connection id
-- ARGV[3]  reason: "closed" | "timeout" | "hub_lost" | "drained"
-- ARGV[4]  last_seen to record: the time of the socket's last frame, ms
-- ARGV[5]  now, ms since the epoch
-- ARGV[6]  event stream max length
-- Reply:   seq of the "offline" event, or 0 when the agent stays online (or was not)
local prefix = KEYS[1]
local id = ARGV[1]
local conns = prefix .. 'conns:' .. id
if redis.call('HDEL', conns, ARGV[2]) == 0 then
  return 0
end
local agent_key = prefix .. 'agent:' .. id
local last_seen = tonumber(redis.call('HGET', agent_key, 'last_seen') or '0')
if tonumber(ARGV[4]) > last_seen then
  redis.call('HSET', agent_key, 'last_seen', ARGV[4])
end
if redis.call('HLEN', conns) > 0 then
  return 0
end
local status = redis.call('HMGET', agent_key, 'status', 'colony')
if status[1] ~= 'online' then
  return 0
end
redis.call('HSET', agent_key, 'status', 'offline')
return emit_event(prefix, status[2], ARGV[5], 'offline',
    ',"agent":' .. agent_json(prefix, id) .. ',"reason":' .. json_string(ARGV[3]), ARGV[6])
