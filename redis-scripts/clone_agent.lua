-- clone_agent: a remote agent asks for a hosted copy of itself. Creates the clone offline (it
-- comes online when a worker says hello with its token), records a spawn request for
-- provisioners in the colony's spawn stream, and emits "clone".
-- KEYS[1]  colony key prefix "mi:<env>:{c:<colony>}:"
-- ARGV[1]  id of the agent asking (the source)
-- ARGV[2]  now, ms since the epoch
-- ARGV[3]  SHA-256 (hex) of the clone's secret
-- ARGV[4]  colony id
-- ARGV[5]  event stream max length
-- ARGV[6]  spawn stream max length
-- Reply:   {"ok", clone id, AGENT json of the clone, seq} | {"not_allowed", kind} | {"unknown_agent"}
local prefix = KEYS[1]
local source = ARGV[1]
local now = ARGV[2]
local kind = redis.call('HGET', prefix .. 'agent:' .. source, 'kind')
if not kind then
  return {'unknown_agent'}
end
if kind ~= 'remote' then
  return {'not_allowed', kind}
end
local id = allocate_agent_id(prefix, clone_base(source), true)
redis.call('HSET', prefix .. 'agent:' .. id, 'id', id, 'colony', ARGV[4], 'kind', 'hosted',
    'status', 'offline', 'joined_at', now, 'last_seen', '', 'clone_of', source, 'invite', '',
    'meta', '{}', 'token_sha256', ARGV[3])
redis.call('RPUSH', prefix .. 'agents', id)
redis.call('XADD', prefix .. 'spawn', 'MAXLEN', '~', ARGV[6], '*', 'colony', ARGV[4], 'agent', id,
    'source', source, 'requested_at', now)
local agent = agent_json(prefix, id)
local seq = emit_event(prefix, ARGV[4], now, 'clone',
    ',"agent":' .. agent .. ',"source":' .. json_string(source), ARGV[5])
return {'ok', id, agent, seq}
