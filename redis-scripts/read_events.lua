-- read_events: what a watcher needs to resume or to fill a gap, read in one step. Writes only
-- the colony's epoch, when it has none yet (colony_epoch).
-- KEYS[1]  colony key prefix "mi:<env>:{c:<colony>}:"
-- ARGV[1]  the last seq the watcher has; events after it are wanted
-- ARGV[2]  at most this many events
-- Reply:   {current seq, epoch, complete (1 when the stream still holds the event right after
--          ARGV[1], or there is none), the event at ARGV[1] itself ('' when not held: the
--          watcher checks that it is the one it was given), event JSON...}
local prefix = KEYS[1]
local after = tonumber(ARGV[1])
local current = tonumber(redis.call('GET', prefix .. 'seq') or '0')
local reply = {current, colony_epoch(prefix), 1, ''}
if after > 0 then
  local anchor = redis.call('XRANGE', prefix .. 'events', after .. '-0', after .. '-0')
  if #anchor == 1 then
    reply[4] = anchor[1][2][2]
  end
end
if after >= current then
  return reply
end
local entries = redis.call('XRANGE', prefix .. 'events', (after + 1) .. '-0', '+', 'COUNT', ARGV[2])
if #entries == 0 or entries[1][1] ~= (after + 1) .. '-0' then
  reply[3] = 0
  return reply
end
for _, entry in ipairs(entries) do
  table.insert(reply, entry[2][2])
end
return reply
