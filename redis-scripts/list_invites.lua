-- list_invites: a colony's invites, newest first, read in one step (read-only).
-- KEYS[1]  colony key prefix "mi:<env>:{c:<colony>}:"
-- ARGV[1]  offset (0 = newest)
-- ARGV[2]  at most this many
-- Reply:   {total count, {INVITE fields...}, {INVITE fields...}, ...}
local prefix = KEYS[1]
local offset = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local codes = redis.call('LRANGE', prefix .. 'invites', offset, offset + limit - 1)
local reply = {redis.call('LLEN', prefix .. 'invites')}
for _, code in ipairs(codes) do
  local invite = invite_reply(prefix, code)
  if invite then
    table.insert(reply, invite)
  end
end
return reply
