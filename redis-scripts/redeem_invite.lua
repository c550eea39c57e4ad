-- redeem_invite: an agent onboards with a code. Consumes the invite (at most once, ever), creates
-- the agent online with its first socket, and emits "join".
-- KEYS[1]  colony key prefix "mi:<env>:{c:<colony>}:"
-- ARGV[1]  code (upper case)
-- ARGV[2]  requested name, "" for the default "agent"
-- ARGV[3]  now, ms since the epoch
-- ARGV[4]  SHA-256 (hex) of the agent's secret; the secret itself is never stored
-- ARGV[5]  connection id of the socket (unique system-wide)
-- ARGV[6]  hub instance holding that socket ("<hub id>#<nonce>")
-- ARGV[7]  colony id
-- ARGV[8]  event stream max length
-- ARGV[9]  presence TTL, ms: the agent's "alive" key is set now, as its socket's first frame
-- ARGV[10] deadline, ms on Redis' clock ("0": none): past it the hub has given up on this
--          onboard (past_deadline, prelude.lua)
-- Reply:   {"ok", agent id, AGENT json, seq} | {"invalid_code"} | {"wrong_invite_type"} | {"ended"}
--          ("ended": the hub already ended this socket, agent_disconnect.lua, or gave up on it,
--          ARGV[10]; the invite is left as it was, for the agent's retry)
local prefix = KEYS[1]
local code = ARGV[1]
local now = ARGV[3]
if redis.call('EXISTS', prefix .. 'ended:' .. ARGV[5]) == 1 or past_deadline(ARGV[10]) then
  return {'ended'}
end
local invite_key = prefix .. 'invite:' .. code
local invite = redis.call('HMGET', invite_key, 'type', 'status')
if not invite[2] or invite[2] ~= 'active' then
  return {'invalid_code'}
end
if invite[1] ~= 'agent' then
  return {'wrong_invite_type'}
end
local base = ARGV[2]
if base == '' then
  base = 'agent'
end
local id = allocate_agent_id(prefix, base, false)
redis.call('HSET', prefix .. 'agent:' .. id, 'id', id, 'colony', ARGV[7], 'kind', 'remote',
    'status', 'online', 'joined_at', now, 'last_seen', now, 'clone_of', '', 'invite', code,
    'meta', '{}', 'token_sha256', ARGV[4])
redis.call('RPUSH', prefix .. 'agents', id)
redis.call('HSET', prefix .. 'conns:' .. id, ARGV[5], ARGV[6])
redis.call('HSET', prefix .. 'connections', ARGV[5], id)
redis.call('SET', prefix .. 'alive:' .. id, now, 'PX', ARGV[9])
redis.call('HSET', invite_key, 'status', 'redeemed', 'redeemed_by', id, 'redeemed_at', now)
local agent = agent_json(prefix, id)
local seq = emit_event(prefix, ARGV[7], now, 'join',
    ',"agent":' .. agent .. ',"invite":' .. json_string(code), ARGV[8])
return {'ok', id, agent, seq}
