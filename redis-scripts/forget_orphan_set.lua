-- forget_orphan_set: a lost instance's orphan set the sweep has emptied leaves the list of orphan
-- sets. In one step with the check that it is empty: a claim of the same instance may have made
-- the set again (claim_lost_hubs.lua) since the sweep drew its last entry, and a set renamed in
-- but unlisted would never be swept.
-- KEYS[1]  hubs key prefix "mi:<env>:{hubs}:"
-- ARGV[1]  the orphan set's key ("<prefix>orphans:<instance>")
-- Reply:   1 when it was forgotten, 0 when it still holds connections (or was not listed)
if redis.call('EXISTS', ARGV[1]) == 1 then
  return 0
end
return redis.call('SREM', KEYS[1] .. 'orphan-sets', ARGV[1])
