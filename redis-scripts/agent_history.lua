-- agent_history: an agent and the newest part of its presence history, read in one step (the
-- rest, if wanted, with LRANGE on history:<id>, which only grows at its head).
-- KEYS[1]  colony key prefix "mi:<env>:{c:<colony>}:"
-- ARGV[1]  agent id
-- ARGV[2]  how many transitions to read at most, newest first
-- Reply:   {AGENT json, status, joined_at, transition, transition, ...} with each transition as
--          recorded ("<ts> online join" | "<ts> online" | "<ts> offline <reason>", prelude.lua),
--          or {} when there is no such agent
local prefix = KEYS[1]
local id = ARGV[1]
local agent = agent_json(prefix, id)
if not agent then
  return {}
end
local stored = redis.call('HMGET', prefix .. 'agent:' .. id, 'status', 'joined_at')
local reply = {agent, stored[1] or 'offline', stored[2] or '0'}
for _, entry in ipairs(redis.call('LRANGE', prefix .. 'history:' .. id, 0, tonumber(ARGV[2]) - 1)) do
  table.insert(reply, entry)
end
return reply
