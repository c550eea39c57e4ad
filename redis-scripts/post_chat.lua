-- post_chat: an agent posts to its colony's group chat (event "chat" to watchers and agents). The
-- event is also kept in the colony's chat log (emit_event's record_chat, prelude.lua), which
-- presence events never push out, for GET /v1/colonies/{colony}/chat.
-- KEYS[1]  colony key prefix "mi:<env>:{c:<colony>}:"
-- ARGV[1]  agent id (the author)
-- ARGV[2]  text (UTF-8, already checked by the hub)
-- ARGV[3]  now, ms since the epoch
-- ARGV[4]  colony id
-- ARGV[5]  event stream max length
-- Reply:   seq of the event, or 0 when the agent does not exist
local prefix = KEYS[1]
local agent = agent_json(prefix, ARGV[1])
if not agent then
  return 0
end
return emit_event(prefix, ARGV[4], ARGV[3], 'chat',
    ',"agent":' .. agent .. ',"from":' .. json_string(ARGV[1]) .. ',"text":' .. json_string(ARGV[2]),
    ARGV[5])
