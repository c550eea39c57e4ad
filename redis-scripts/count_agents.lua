-- count_agents: counts a slice of a colony's agents by status and kind, for
-- GET /v1/colonies/{colony}/stats. Bounded per call, as expire_ghosts is: the hub walks the list
-- slice by slice, so that no call is long in a large colony (the sums of a walk may then mix
-- moments of a colony that changes meanwhile).
-- KEYS[1]  colony key prefix "mi:<env>:{c:<colony>}:"
-- ARGV[1]  index in the colony's "agents" list to start at
-- ARGV[2]  how many agents to look at
-- Reply:   {index to go on from (0 when the list is done), agents, online, remote, hosted}
local prefix = KEYS[1]
local start = tonumber(ARGV[1])
local count = tonumber(ARGV[2])
local ids = redis.call('LRANGE', prefix .. 'agents', start, start + count - 1)
local agents, online, remote, hosted = 0, 0, 0, 0
for _, id in ipairs(ids) do
  local stored = redis.call('HMGET', prefix .. 'agent:' .. id, 'status', 'kind')
  if stored[1] then
    agents = agents + 1
    if stored[1] == 'online' then
      online = online + 1
    end
    if stored[2] == 'hosted' then
      hosted = hosted + 1
    else
      remote = remote + 1
    end
  end
end
local next_index = next_slice(start, count, #ids)
return {next_index, agents, online, remote, hosted}
