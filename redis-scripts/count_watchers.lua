-- count_watchers: the watchers of one colony across the registered hub instances, from what each
-- published (publish_watcher_counts.lua; a dead instance's hash has expired).
-- KEYS[1]  hubs key prefix "mi:<env>:{hubs}:"
-- ARGV[1]  colony id
-- Reply:   the number of watchers
local prefix = KEYS[1]
local total = 0
for _, instance in ipairs(redis.call('SMEMBERS', prefix .. 'all')) do
  total = total + tonumber(redis.call('HGET', prefix .. 'watchers:' .. instance, ARGV[1]) or '0')
end
return total
