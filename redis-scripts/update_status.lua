-- update_status: an agent publishes new status meta (event "update"), at most one event per agent
-- per interval whichever hub its sockets are on.
-- KEYS[1]  colony key prefix "mi:<env>:{c:<colony>}:"
-- ARGV[1]  agent id
-- ARGV[2]  meta, a JSON object (minified, at most 1 KiB, checked by the hub)
-- ARGV[3]  now, ms since the epoch
-- ARGV[4]  minimum interval between two updates of one agent, ms
-- ARGV[5]  colony id
-- ARGV[6]  event stream max length
-- Reply:   {"ok", seq} | {"too_soon", ms to wait} | {"unknown_agent"}
local prefix = KEYS[1]
local id = ARGV[1]
local agent_key = prefix .. 'agent:' .. id
if redis.call('EXISTS', agent_key) == 0 then
  return {'unknown_agent'}
end
local now = tonumber(ARGV[3])
local interval = tonumber(ARGV[4])
local last = tonumber(redis.call('GET', prefix .. 'update-at:' .. id) or '0')
if now - last < interval then
  return {'too_soon', interval - (now - last)}
end
redis.call('SET', prefix .. 'update-at:' .. id, ARGV[3], 'PX', interval * 2)
redis.call('HSET', agent_key, 'meta', ARGV[2])
-- The new meta goes at the top of the event as well as in its agent, for readers of either.
local seq = emit_event(prefix, ARGV[5], ARGV[3], 'update',
    ',"agent":' .. agent_json(prefix, id) .. ',"meta":' .. ARGV[2], ARGV[6])
return {'ok', seq}
