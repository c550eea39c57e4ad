-- count_onboard_failure: one failed onboard attempt, counted in the current 10-second bucket of
-- the source address and of the whole system. A budget is the sum of the last six buckets (the
-- last 50 to 60 seconds, so a burst is never split by a minute's boundary); a bucket expires
-- after 70 seconds, once no window reads it.
-- KEYS[1]  mi:<env>:{onboard-failures}:addr:<address>:<bucket>   (bucket = unix ms / 10000)
-- KEYS[2]  mi:<env>:{onboard-failures}:all:<bucket>
-- Reply:   {failures of the address, failures of the system} in this bucket
local by_address = redis.call('INCR', KEYS[1])
local global = redis.call('INCR', KEYS[2])
if by_address == 1 then
  redis.call('EXPIRE', KEYS[1], 70)
end
if global == 1 then
  redis.call('EXPIRE', KEYS[2], 70)
end
return {by_address, global}
