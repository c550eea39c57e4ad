-- colony_slice: one slice of a colony's agents, in join order, with the seq and epoch of this
-- moment. A colony is never read in one call (docs/protocol.md section 8): the hub reads slices
-- and brings them to one seq with the events between (hub/core/snapshot_assembly.hpp).
-- The list only grows at its end, but a removal (remove_agent.lua) moves every later agent one
-- place up; so a slice after the first is asked for after an anchor, the last agent read, and
-- starts right after it wherever it now is (at most 64 places up; further, or gone, the anchor is
-- lost and the hub starts again). Writes only the epoch, when the colony has none (colony_epoch).
-- KEYS[1]  colony key prefix "mi:<env>:{c:<colony>}:"
-- ARGV[1]  start: the index the slice starts at (0-based)
-- ARGV[2]  at most this many agents
-- ARGV[3]  anchor: the id expected at start - 1 ("" when start is 0)
-- Reply:   {seq, epoch, "ok", next start, 1 when the slice reached the end of the list else 0,
--           AGENT json...} | {seq, epoch, "anchor_lost"}
local prefix = KEYS[1]
local start = tonumber(ARGV[1])
local count = tonumber(ARGV[2])
local anchor = ARGV[3]
local list = prefix .. 'agents'
local seq = tonumber(redis.call('GET', prefix .. 'seq') or '0')
local epoch = colony_epoch(prefix)
if anchor ~= '' then
  local found = false
  for back = 0, 64 do
    local at = start - 1 - back
    if at < 0 then
      break
    end
    if redis.call('LINDEX', list, at) == anchor then
      start = at + 1
      found = true
      break
    end
  end
  if not found then
    return {seq, epoch, 'anchor_lost'}
  end
end
local ids = redis.call('LRANGE', list, start, start + count - 1)
local reply = {seq, epoch, 'ok', start + #ids, (#ids < count) and 1 or 0}
for _, id in ipairs(ids) do
  local agent = agent_json(prefix, id)
  if agent then
    table.insert(reply, agent)
  end
end
return reply
