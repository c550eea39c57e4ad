-- webhook_lease: the hub delivering the colony's webhooks keeps its lease while it waits between
-- retries (ARGV[2] > 0), or gives it up when it drains (ARGV[2] = 0), so that another hub carries
-- on at once.
-- KEYS[1]  colony key prefix "mi:<env>:{c:<colony>}:"
-- ARGV[1]  the hub's instance
-- ARGV[2]  the lease, ms; 0 releases it
-- Reply:   1 when the caller holds the lease (or released it), 0 when another hub holds it
local owner_key = KEYS[1] .. 'webhook:owner'
local owner = redis.call('GET', owner_key)
if owner and owner ~= ARGV[1] then
  return 0
end
if tonumber(ARGV[2]) == 0 then
  redis.call('DEL', owner_key)
else
  redis.call('SET', owner_key, ARGV[1], 'PX', ARGV[2])
end
return 1
