-- create_invite: records a new invite in its colony.
-- The hub first reserves the code system-wide with SET NX on mi:<env>:code:<CODE> (a key outside
-- the colony's slot), then runs this script.
-- KEYS[1]  colony key prefix "mi:<env>:{c:<colony>}:"
-- ARGV[1]  code (6 letters A-Z)
-- ARGV[2]  type: "agent" | "human"
-- ARGV[3]  name, or "" for none
-- ARGV[4]  now, ms since the epoch
-- ARGV[5]  colony id
-- Reply:   INVITE fields {code, type, colony, name, status, created_at, redeemed_by}
local prefix = KEYS[1]
local code = ARGV[1]
local key = prefix .. 'invite:' .. code
redis.call('HSET', key, 'code', code, 'type', ARGV[2], 'colony', ARGV[5], 'name', ARGV[3],
    'status', 'active', 'created_at', ARGV[4], 'redeemed_by', '')
redis.call('LPUSH', prefix .. 'invites', code)
return invite_reply(prefix, code)
