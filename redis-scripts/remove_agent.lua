-- remove_agent: an owner removes an agent from the colony (an offline agent, a clone nothing
-- started; an online one only when forced). The agent leaves the list, its credentials stop
-- working (its hash goes, and with it the token's hash), its connections and its presence
-- history are forgotten, and watchers get "remove". Its name stays in {c}:names, so it is never
-- given again. Each hub that holds one of its sockets closes it on the event (4003).
-- KEYS[1]  colony key prefix "mi:<env>:{c:<colony>}:"
-- ARGV[1]  agent id
-- ARGV[2]  "1" to remove it even while it is online, else "0"
-- ARGV[3]  now, ms since the epoch
-- ARGV[4]  event stream max length
-- Reply:   {"ok", AGENT json as it was, seq of the "remove" event} | {"not_found"} | {"online"}
local prefix = KEYS[1]
local id = ARGV[1]
local agent_key = prefix .. 'agent:' .. id
local stored = redis.call('HMGET', agent_key, 'status', 'colony')
if not stored[2] then
  return {'not_found'}
end
if stored[1] == 'online' and ARGV[2] ~= '1' then
  return {'online'}
end
local agent = agent_json(prefix, id)
for connection, _ in pairs(hash_to_table(redis.call('HGETALL', prefix .. 'conns:' .. id))) do
  redis.call('HDEL', prefix .. 'connections', connection)
end
redis.call('DEL', agent_key, prefix .. 'conns:' .. id, prefix .. 'alive:' .. id, prefix .. 'update-at:' .. id,
    prefix .. 'history:' .. id)
redis.call('LREM', prefix .. 'agents', 0, id)
redis.call('ZREM', prefix .. 'leases', id)
local seq = emit_event(prefix, stored[2], ARGV[3], 'remove', ',"agent":' .. agent, ARGV[4])
return {'ok', agent, seq}
