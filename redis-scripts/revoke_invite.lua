-- revoke_invite: makes an active invite unusable. Revoking a revoked invite changes nothing.
-- KEYS[1]  colony key prefix "mi:<env>:{c:<colony>}:"
-- ARGV[1]  code
-- ARGV[2]  now, ms since the epoch
-- Reply:   {"ok", INVITE fields...} | {"not_found"} | {"already_redeemed", INVITE fields...}
local prefix = KEYS[1]
local code = ARGV[1]
local key = prefix .. 'invite:' .. code
local status = redis.call('HGET', key, 'status')
if not status then
  return {'not_found'}
end
local verdict = 'ok'
if status == 'redeemed' then
  verdict = 'already_redeemed'
elseif status == 'active' then
  redis.call('HSET', key, 'status', 'revoked', 'revoked_at', ARGV[2])
end
local reply = invite_reply(prefix, code)
table.insert(reply, 1, verdict)
return reply
