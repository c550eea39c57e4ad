-- agent_beat: an agent that holds no socket (serverless, cron) beats over HTTP
-- (POST /v1/agents/heartbeat). The beat keeps it online until the presence TTL after it, on any
-- hub; then it goes offline with reason "timeout" (expire_leases.lua), unless a socket or a later
-- beat holds it. The first beat of an offline agent makes it "online" (event).
-- KEYS[1]  colony key prefix "mi:<env>:{c:<colony>}:"
-- ARGV[1]  agent id
-- ARGV[2]  SHA-256 (hex) of the secret presented
-- ARGV[3]  now, ms since the epoch
-- ARGV[4]  presence TTL, ms
-- ARGV[5]  event stream max length
-- Reply:   {"ok", seq of the "online" event or 0, end of the agent's earliest lease} | {"unauthorized"}
local prefix = KEYS[1]
local id = ARGV[1]
local agent_key = prefix .. 'agent:' .. id
local stored = redis.call('HMGET', agent_key, 'token_sha256', 'status', 'colony')
if not stored[1] or stored[1] ~= ARGV[2] then
  return {'unauthorized'}
end
local now = tonumber(ARGV[3])
local until_ms = now + tonumber(ARGV[4])
local kept = tonumber(redis.call('HGET', agent_key, 'kept_until') or '0') or 0
if until_ms > kept then
  redis.call('HSET', agent_key, 'kept_until', until_ms, 'kept_reason', 'timeout')
end
redis.call('SET', prefix .. 'alive:' .. id, ARGV[3], 'PX', ARGV[4])
local seq = 0
if stored[2] ~= 'online' then
  redis.call('HSET', agent_key, 'status', 'online', 'last_seen', ARGV[3])
  seq = emit_event(prefix, stored[3], ARGV[3], 'online', ',"agent":' .. agent_json(prefix, id), ARGV[5])
else
  redis.call('HSET', agent_key, 'last_seen', ARGV[3])
end
return {'ok', seq, file_leases(prefix, id)}
