-- claim_lost_hubs: finds registered hub instances whose liveness key expired and moves the
-- connections they held into an orphan set of that instance, "orphans:<instance>", listed in
-- "orphan-sets"; any hub's sweep then puts them offline ("hub_lost"), a batch at a time. The set
-- is renamed, not copied, so that a hub of 100,000 connections is claimed in one short step.
-- (The shared "orphans" set of earlier versions is still swept.) Safe when several hubs sweep at once: a lost instance is claimed once; offlining
-- an orphan twice is a no-op (agent_disconnect ignores unknown connections).
-- An expired key is evidence only while Redis has been hearing beats (hubs_clock, prelude.lua):
-- after a stall, when every key lapsed together, expiry claims wait a liveness period. The
-- sweeper never claims itself. The other instances of the sweeper's own hub id are claimed
-- whatever their keys say when ARGV[3] is "1": a process started under a --hub-id means that the
-- earlier one of that id is gone (its connections would otherwise wait for its key to expire).
-- Each claim counts in "claims:<instance>", which the instance's beats read (hub_heartbeat), so
-- that an instance claimed while alive finds out even if one beat's reply is lost.
-- KEYS[1]  hubs key prefix "mi:<env>:{hubs}:"
--          (all: set of instances; alive:<instance>: liveness; conns:<instance>: set of
--          "<colony> <connection id>"; heard, settle-until: hubs_clock; claims:<instance>;
--          orphans:<instance> and the set of them, orphan-sets)
-- ARGV[1]  the sweeping instance
-- ARGV[2]  liveness, ms
-- ARGV[3]  "1": also claim the other instances of the sweeper's hub id; else "0"
-- Reply:   the instances claimed now
local prefix = KEYS[1]
local self = ARGV[1]
local liveness = tonumber(ARGV[2])
hubs_clock(prefix, liveness)
local settling = redis.call('EXISTS', prefix .. 'settle-until') == 1
local lost = {}
for _, hub in ipairs(redis.call('SMEMBERS', prefix .. 'all')) do
  local predecessor = ARGV[3] == '1' and hub ~= self and same_hub_id(hub, self)
  local expired = not settling and hub ~= self and redis.call('EXISTS', prefix .. 'alive:' .. hub) == 0
  if predecessor or expired then
    local conns = prefix .. 'conns:' .. hub
    if redis.call('EXISTS', conns) == 1 then
      local orphaned = prefix .. 'orphans:' .. hub
      if redis.call('EXISTS', orphaned) == 1 then
        -- Claimed before, and not yet swept: the instance listed more since (rare).
        redis.call('SUNIONSTORE', orphaned, orphaned, conns)
        redis.call('DEL', conns)
      else
        redis.call('RENAME', conns, orphaned)
      end
      redis.call('SADD', prefix .. 'orphan-sets', orphaned)
    end
    redis.call('SREM', prefix .. 'all', hub)
    redis.call('DEL', prefix .. 'alive:' .. hub)
    redis.call('INCR', prefix .. 'claims:' .. hub)
    -- Read by the instance if it is alive after all; gone a week after, if it never beats again.
    redis.call('PEXPIRE', prefix .. 'claims:' .. hub, 7 * 24 * 3600 * 1000)
    table.insert(lost, hub)
  end
end
return lost
