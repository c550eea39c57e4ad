-- report_health: a provisioner reports the health of a hosted agent's pod
-- (POST /v1/colonies/{colony}/agents/{id}/health). Healthy keeps the agent online for the TTL
-- given (a later report replaces it); unhealthy, or no report within the TTL
-- (expire_leases.lua), makes it offline with reason "unhealthy", unless a socket of its worker
-- holds it.
-- KEYS[1]  colony key prefix "mi:<env>:{c:<colony>}:"
-- ARGV[1]  agent id
-- ARGV[2]  "1" healthy, "0" unhealthy
-- ARGV[3]  TTL of a healthy report, ms
-- ARGV[4]  now, ms since the epoch
-- ARGV[5]  event stream max length
-- Reply:   {"ok", AGENT json after the report, seq of its event or 0, end of the agent's earliest
--          lease or 0} | {"not_found"} | {"not_hosted"}
local prefix = KEYS[1]
local id = ARGV[1]
local agent_key = prefix .. 'agent:' .. id
local stored = redis.call('HMGET', agent_key, 'kind', 'status', 'colony')
if not stored[1] then
  return {'not_found'}
end
if stored[1] ~= 'hosted' then
  return {'not_hosted'}
end
local now = tonumber(ARGV[4])
local seq = 0
if ARGV[2] == '1' then
  redis.call('HSET', agent_key, 'kept_until', now + tonumber(ARGV[3]), 'kept_reason', 'unhealthy', 'last_seen', ARGV[4])
  if stored[2] ~= 'online' then
    redis.call('HSET', agent_key, 'status', 'online')
    seq = emit_event(prefix, stored[3], ARGV[4], 'online', ',"agent":' .. agent_json(prefix, id), ARGV[5])
  end
else
  redis.call('HDEL', agent_key, 'kept_until', 'kept_reason', 'grace_until', 'grace_reason')
  if stored[2] == 'online' and redis.call('HLEN', prefix .. 'conns:' .. id) == 0 then
    redis.call('HSET', agent_key, 'status', 'offline', 'offline_reason', 'unhealthy')
    seq = emit_event(prefix, stored[3], ARGV[4], 'offline',
        ',"agent":' .. agent_json(prefix, id) .. ',"reason":"unhealthy"', ARGV[5])
  end
end
return {'ok', agent_json(prefix, id), seq, file_leases(prefix, id)}
