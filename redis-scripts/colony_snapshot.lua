-- colony_snapshot: every agent of a colony, the seq of the last event and the colony's epoch,
-- read in one step, so that the seq describes exactly this state. Writes only the epoch, when the
-- colony has none yet (colony_epoch): a snapshot always carries one.
-- KEYS[1]  colony key prefix "mi:<env>:{c:<colony>}:"
-- Reply:   {seq, epoch, AGENT json, AGENT json, ...} in join order
local prefix = KEYS[1]
local reply = {tonumber(redis.call('GET', prefix .. 'seq') or '0'), colony_epoch(prefix)}
for _, id in ipairs(redis.call('LRANGE', prefix .. 'agents', 0, -1)) do
  local agent = agent_json(prefix, id)
  if agent then
    table.insert(reply, agent)
  end
end
return reply
