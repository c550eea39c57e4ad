-- count_onboard_failure: one failed onboard attempt, counted against the source address's and
-- the whole system's budget of the current minute. The counters expire after two minutes.
-- KEYS[1]  mi:<env>:{onboard-failures}:addr:<address>:<minute>
-- KEYS[2]  mi:<env>:{onboard-failures}:all:<minute>
-- Reply:   {failures of the address, failures of the system} in this minute
local by_address = redis.call('INCR', KEYS[1])
local global = redis.call('INCR', KEYS[2])
if by_address == 1 then
  redis.call('EXPIRE', KEYS[1], 120)
end
if global == 1 then
  redis.call('EXPIRE', KEYS[2], 120)
end
return {by_address, global}
