-- agent_connect: an agent's socket authenticated with its token ("hello"). The agent is online
-- while it has at least one socket; the first one makes it "online" (event). A socket back within
-- the grace of a dropped one ends the grace with no event at all.
-- KEYS[1]  colony key prefix "mi:<env>:{c:<colony>}:"
-- ARGV[1]  agent id
-- ARGV[2]  SHA-256 (hex) of the secret presented
-- ARGV[3]  connection id (unique system-wide)
-- ARGV[4]  hub instance holding the socket ("<hub id>#<nonce>")
-- ARGV[5]  now, ms since the epoch
-- ARGV[6]  event stream max length
-- ARGV[7]  the connection id this one replaces ("" for none): a hub re-asserting a socket under a
--          new id drops the old one, so that it is not left behind as a socket nobody holds
-- ARGV[8]  presence TTL, ms: the agent's "alive" key is set now, as its socket's first frame (the
--          ghost sweep, expire_ghosts.lua, leaves an agent with a live key alone)
-- ARGV[9]  deadline, ms on Redis' clock ("0": none): past it the hub has given up on this hello
--          (past_deadline, prelude.lua)
-- Reply:   {"ok", AGENT json, seq of the "online" event or 0} | {"unauthorized"} | {"ended"}
--          ("ended": the hub already ended this connection, agent_disconnect.lua, or gave up on
--          it, ARGV[9]; nothing changed)
local prefix = KEYS[1]
local id = ARGV[1]
if redis.call('EXISTS', prefix .. 'ended:' .. ARGV[3]) == 1 or past_deadline(ARGV[9]) then
  return {'ended'}
end
local agent_key = prefix .. 'agent:' .. id
local stored = redis.call('HMGET', agent_key, 'token_sha256', 'status', 'colony')
if not stored[1] or stored[1] ~= ARGV[2] then
  return {'unauthorized'}
end
if ARGV[7] ~= '' and redis.call('HGET', prefix .. 'connections', ARGV[7]) == id then
  redis.call('HDEL', prefix .. 'connections', ARGV[7])
  redis.call('HDEL', prefix .. 'conns:' .. id, ARGV[7])
end
redis.call('HSET', prefix .. 'conns:' .. id, ARGV[3], ARGV[4])
redis.call('HSET', prefix .. 'connections', ARGV[3], id)
redis.call('SET', prefix .. 'alive:' .. id, ARGV[5], 'PX', ARGV[8])
if redis.call('HDEL', agent_key, 'grace_until', 'grace_reason') > 0 then
  file_leases(prefix, id)
end
local going_online = stored[2] ~= 'online'
if going_online then
  redis.call('HSET', agent_key, 'status', 'online', 'last_seen', ARGV[5])
end
-- Read once: the event and the reply describe the same state.
local agent = agent_json(prefix, id)
local seq = 0
if going_online then
  seq = emit_event(prefix, stored[3], ARGV[5], 'online', ',"agent":' .. agent, ARGV[6])
end
return {'ok', agent, seq}
