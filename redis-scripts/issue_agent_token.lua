-- issue_agent_token: gives an agent a new secret, replacing the previous one. This is how a
-- provisioner gets the credentials of a hosted clone (spawn requests carry no secret).
-- KEYS[1]  colony key prefix "mi:<env>:{c:<colony>}:"
-- ARGV[1]  agent id
-- ARGV[2]  SHA-256 (hex) of the new secret
-- Reply:   1, or 0 when there is no such agent
local key = KEYS[1] .. 'agent:' .. ARGV[1]
if redis.call('EXISTS', key) == 0 then
  return 0
end
redis.call('HSET', key, 'token_sha256', ARGV[2])
return 1
