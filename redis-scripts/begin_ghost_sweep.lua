-- begin_ghost_sweep: one hub at a time, and never while hub liveness is settling after a stall
-- (hubs_clock, prelude.lua), starts a round of the ghost sweep (expire_ghosts.lua) and learns
-- which hub instances are alive.
-- KEYS[1]  hubs key prefix "mi:<env>:{hubs}:"
--          (ghost-sweep: which instance runs the current round; all, alive:<instance>, settle-until)
-- ARGV[1]  the sweeping instance
-- ARGV[2]  how long the round may take, ms: then another hub may start one
-- ARGV[3]  liveness, ms
-- Reply:   {} when no round is to run now, else {the live instances...} (the sweeper among them)
local prefix = KEYS[1]
hubs_clock(prefix, tonumber(ARGV[3]))
if redis.call('EXISTS', prefix .. 'settle-until') == 1 then
  return {}
end
if not redis.call('SET', prefix .. 'ghost-sweep', ARGV[1], 'NX', 'PX', ARGV[2]) then
  return {}
end
local live = {ARGV[1]}
for _, hub in ipairs(redis.call('SMEMBERS', prefix .. 'all')) do
  if hub ~= ARGV[1] and redis.call('EXISTS', prefix .. 'alive:' .. hub) == 1 then
    table.insert(live, hub)
  end
end
return live
