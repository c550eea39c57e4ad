-- claim_lost_hubs: finds registered hubs whose liveness key expired and moves the connections
-- they held into the shared orphan set, which any hub's sweep then puts offline ("hub_lost").
-- Safe when several hubs sweep at once: a lost hub is claimed once; offlining an orphan twice
-- is a no-op (agent_disconnect ignores unknown connections).
-- KEYS[1]  hubs key prefix "mi:<env>:{hubs}:"
--          (all: set of hub ids; alive:<hub>: liveness; conns:<hub>: set of "<colony> <connection id>")
-- Reply:   the ids of the hubs claimed as lost now
local prefix = KEYS[1]
local lost = {}
for _, hub in ipairs(redis.call('SMEMBERS', prefix .. 'all')) do
  if redis.call('EXISTS', prefix .. 'alive:' .. hub) == 0 then
    local conns = prefix .. 'conns:' .. hub
    if redis.call('EXISTS', conns) == 1 then
      redis.call('SUNIONSTORE', prefix .. 'orphans', prefix .. 'orphans', conns)
      redis.call('DEL', conns)
    end
    redis.call('SREM', prefix .. 'all', hub)
    table.insert(lost, hub)
  end
end
return lost
