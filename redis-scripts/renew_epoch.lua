-- renew_epoch: a hub found that the colony's history moved backwards under it (a seq it had
-- delivered came again with another event, or the stream ended below it): the colony gets a new
-- epoch, so that every watcher takes a fresh snapshot. Only when the epoch is still the one the
-- hub saw broken: several hubs noticing at once renew it once, and all learn the one new epoch.
-- KEYS[1]  colony key prefix "mi:<env>:{c:<colony>}:"
-- ARGV[1]  the epoch found broken
-- Reply:   the colony's epoch now (new, or the one another hub or a lost Redis already made)
local prefix = KEYS[1]
local current = redis.call('GET', prefix .. 'epoch')
if current and current ~= ARGV[1] then
  return current
end
local epoch = new_epoch(ARGV[1])
redis.call('SET', prefix .. 'epoch', epoch)
return epoch
