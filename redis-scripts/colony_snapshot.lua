-- colony_snapshot: every agent of a colony and the seq of the last event, read in one step, so
-- that the seq describes exactly this state (read-only).
-- KEYS[1]  colony key prefix "mi:<env>:{c:<colony>}:"
-- Reply:   {seq, AGENT json, AGENT json, ...} in join order
local prefix = KEYS[1]
local reply = {tonumber(redis.call('GET', prefix .. 'seq') or '0')}
for _, id in ipairs(redis.call('LRANGE', prefix .. 'agents', 0, -1)) do
  local agent = agent_json(prefix, id)
  if agent then
    table.insert(reply, agent)
  end
end
return reply
