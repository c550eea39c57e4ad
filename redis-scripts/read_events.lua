-- read_events: what a watcher needs to resume or to fill a gap, read in one step (read-only).
-- KEYS[1]  colony key prefix "mi:<env>:{c:<colony>}:"
-- ARGV[1]  the last seq the watcher has; events after it are wanted
-- ARGV[2]  at most this many events
-- Reply:   {current seq, complete (1 when the stream still holds the event right after
--          ARGV[1], or there is none), event JSON...}
local prefix = KEYS[1]
local after = tonumber(ARGV[1])
local current = tonumber(redis.call('GET', prefix .. 'seq') or '0')
local reply = {current, 1}
if after >= current then
  return reply
end
local entries = redis.call('XRANGE', prefix .. 'events', (after + 1) .. '-0', '+', 'COUNT', ARGV[2])
if #entries == 0 or entries[1][1] ~= (after + 1) .. '-0' then
  reply[2] = 0
  return reply
end
for _, entry in ipairs(entries) do
  table.insert(reply, entry[2][2])
end
return reply
