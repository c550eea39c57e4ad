-- onboard_invite: the agent invite that an onboarding page shows for one browser session. The
-- same active invite on every call; a new one once it is redeemed or revoked.
-- The hub reserves the candidate code (SET NX mi:<env>:code:<CODE>) before the call and releases
-- it when the reply is "existing".
-- KEYS[1]  colony key prefix "mi:<env>:{c:<colony>}:"
-- ARGV[1]  session id (opaque, chosen by the page)
-- ARGV[2]  candidate code, used when a new invite is needed
-- ARGV[3]  now, ms since the epoch
-- ARGV[4]  colony id
-- ARGV[5]  how long the session keeps its invite, seconds
-- ARGV[6]  the name of a new invite ("" for none); an existing invite keeps its own
-- Reply:   {"existing" | "created", INVITE fields...}
local prefix = KEYS[1]
local session_key = prefix .. 'onboard-session:' .. ARGV[1]
local current = redis.call('GET', session_key)
if current then
  local status = redis.call('HGET', prefix .. 'invite:' .. current, 'status')
  if status == 'active' then
    redis.call('EXPIRE', session_key, ARGV[5])
    local reply = invite_reply(prefix, current)
    table.insert(reply, 1, 'existing')
    return reply
  end
end
local code = ARGV[2]
redis.call('HSET', prefix .. 'invite:' .. code, 'code', code, 'type', 'agent', 'colony', ARGV[4],
    'name', ARGV[6] or '', 'status', 'active', 'created_at', ARGV[3], 'redeemed_by', '', 'session', ARGV[1])
redis.call('LPUSH', prefix .. 'invites', code)
redis.call('SET', session_key, code, 'EX', ARGV[5])
local reply = invite_reply(prefix, code)
table.insert(reply, 1, 'created')
return reply
