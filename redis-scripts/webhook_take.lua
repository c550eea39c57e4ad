-- webhook_take: what the colony's webhook deliveries owe, and the right to deliver them. Only the
-- hub holding the colony's webhook lease delivers it, so that its deliveries leave in seq order;
-- a lease that lapsed (its hub died or stalled) goes to the next hub that asks.
-- KEYS[1]  colony key prefix "mi:<env>:{c:<colony>}:"
-- ARGV[1]  the asking hub's instance
-- ARGV[2]  the lease, ms (taken or renewed when there is something to deliver)
-- ARGV[3]  events read at most
-- Reply:   {state, cursor seq, lost, more, epoch, event JSON...}
--          state 0: nothing to deliver (no event follows)
--          state 1: another hub holds the lease; the first event owed follows (for its age)
--          state 2: the caller holds the lease; the events after the cursor follow, in seq order
--          lost: events after the cursor the stream no longer holds (trimmed before delivery)
--          more: 1 when the stream holds events after the last one returned
--          epoch: the colony's epoch, to store with the cursor (webhook_ack)
-- Keys:    webhook:cursor hash {seq, epoch}: the last seq acknowledged (or given up), and the
--          epoch it counts in; absent until the first delivery: the hubs then start with what the
--          stream holds. webhook:owner string: the lease, the holder's instance.
local prefix = KEYS[1]
local seq = tonumber(redis.call('GET', prefix .. 'seq') or '0')
local epoch = redis.call('GET', prefix .. 'epoch') or ''
local cursor_key = prefix .. 'webhook:cursor'
local cursor = redis.call('HMGET', cursor_key, 'seq', 'epoch')
local after
local counted = true
if cursor[1] then
  after = tonumber(cursor[1])
  if cursor[2] ~= epoch and seq < after then
    -- The history moved backwards (a Redis that lost writes): its new events start from 1.
    after = 0
    redis.call('HSET', cursor_key, 'seq', 0, 'epoch', epoch)
  end
else
  -- No delivery yet: what the stream holds is owed, nothing before it counts as lost.
  local first = redis.call('XRANGE', prefix .. 'events', '-', '+', 'COUNT', 1)
  if #first == 0 then
    return {0, 0, 0, 0, epoch}
  end
  after = tonumber(string.match(first[1][1], '^(%d+)')) - 1
  counted = false
end
if seq <= after then
  return {0, after, 0, 0, epoch}
end
local owner_key = prefix .. 'webhook:owner'
local owner = redis.call('GET', owner_key)
local mine = (not owner) or owner == ARGV[1]
local count = tonumber(ARGV[3])
if not mine then
  count = 1
end
local entries = redis.call('XRANGE', prefix .. 'events', (after + 1) .. '-0', '+', 'COUNT', count + 1)
local lost = 0
if #entries == 0 then
  lost = seq - after
else
  lost = tonumber(string.match(entries[1][1], '^(%d+)')) - after - 1
end
if not counted then
  lost = 0
end
local more = 0
if #entries > count then
  more = 1
  table.remove(entries)
end
local reply = {2, after, lost, more, epoch}
if not mine then
  reply[1] = 1
  reply[3] = 0
else
  redis.call('SET', owner_key, ARGV[1], 'PX', ARGV[2])
end
for _, entry in ipairs(entries) do
  table.insert(reply, entry[2][2])
end
return reply
