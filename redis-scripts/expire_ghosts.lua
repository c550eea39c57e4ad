-- expire_ghosts: the presence TTL as the last line of defence. An agent marked online whose
-- "alive" key has expired (no frame for the presence TTL: the key is set at connect and
-- refreshed while frames come) and none of whose connections is held by a live hub instance is
-- a ghost, whatever bug left it: it goes offline with reason "timeout", and its connections are
-- forgotten. An agent a presence lease holds (a grace, an HTTP beat, a health report) is not a
-- ghost; one whose lease ended unnoticed (its colony missing from the index of due colonies) has
-- it settled here (expire_leases.lua's rule). Agents of live hubs are never touched: their hubs time them out themselves. Reads
-- a bounded slice of the colony's agents per call, so that no call is long in a large colony.
-- KEYS[1]  colony key prefix "mi:<env>:{c:<colony>}:"
-- ARGV[1]  index in the colony's "agents" list to start at
-- ARGV[2]  how many agents to look at
-- ARGV[3]  now, ms since the epoch
-- ARGV[4]  event stream max length
-- ARGV[5…] the live hub instances (begin_ghost_sweep.lua)
-- Reply:   {index to go on from, or 0 when the list is done, ghosts put offline}
local prefix = KEYS[1]
local start = tonumber(ARGV[1])
local count = tonumber(ARGV[2])
local live = {}
for i = 5, #ARGV do
  live[ARGV[i]] = true
end
local ids = redis.call('LRANGE', prefix .. 'agents', start, start + count - 1)
local expired = 0
for _, id in ipairs(ids) do
  local agent_key = prefix .. 'agent:' .. id
  local now = tonumber(ARGV[3])
  local lease_end = tonumber(redis.call('ZSCORE', prefix .. 'leases', id) or '0')
  if lease_end > 0 and lease_end <= now and settle_leases(prefix, id, now, ARGV[4]) > 0 then
    expired = expired + 1
  end
  local status = redis.call('HMGET', agent_key, 'status', 'colony')
  if status[1] == 'online' and redis.call('EXISTS', prefix .. 'alive:' .. id) == 0 and
      not leased_at(agent_key, now) then
    local conns = prefix .. 'conns:' .. id
    local held = false
    local held_by = redis.call('HGETALL', conns)
    for i = 2, #held_by, 2 do
      if live[held_by[i]] then
        held = true
      end
    end
    if not held then
      for i = 1, #held_by, 2 do
        redis.call('HDEL', prefix .. 'connections', held_by[i])
      end
      redis.call('DEL', conns)
      redis.call('HSET', agent_key, 'status', 'offline', 'offline_reason', 'timeout')
      emit_event(prefix, status[2], ARGV[3], 'offline',
          ',"agent":' .. agent_json(prefix, id) .. ',"reason":"timeout"', ARGV[4])
      expired = expired + 1
    end
  end
end
local next_index = next_slice(start, count, #ids)
return {next_index, expired}
