-- prelude: prepended to every other script of this folder when it is loaded (see
-- hub/redis/script_set.hpp), so that key names and the AGENT JSON are written once.
--
-- Every colony script gets KEYS[1] = the colony's key prefix "mi:<env>:{c:<colony>}:". All keys
-- it touches are that prefix plus a suffix, so they share the hash tag {c:<colony>} and live in
-- one Redis Cluster slot. The suffixes (docs/architecture.md lists them with their scripts):
--   invite:<CODE>           hash   code type colony name status created_at redeemed_by ...
--   invites                 list   codes, newest first
--   onboard-session:<id>    string the code the onboarding page of that browser session shows
--   agent:<id>              hash   id colony kind status joined_at last_seen clone_of invite meta
--                                  token_sha256 offline_reason
--                                  grace_until grace_reason (a dropped socket's grace)
--                                  kept_until kept_reason (an HTTP beat or a health report)
--   agents                  list   agent ids in join order
--   names                   set    every agent id ever given in the colony (never reused)
--   suffix:<base>           string the last N handed out as <base>-N
--   conns:<id>              hash   connection id -> hub instance, one field per open socket
--   connections             hash   connection id -> agent id, every open socket of the colony
--   leases                  zset   agent id -> the earliest end of its presence leases (the
--                                  grace of a dropped socket, an HTTP beat, a health report),
--                                  ms; expire_leases.lua settles the ones due
--   alive:<id>              string time of the agent's last frame (ms), expiring after the
--                                  presence TTL; set at connect, refreshed in batches by the
--                                  hub holding it
--   spawn                   stream spawn requests of the colony's clones, for provisioners
--   update-at:<id>          string time of the agent's last "update" event (ms)
--   seq                     string the colony's event counter
--   epoch                   string the id of the colony's event history that seq counts in
--   events                  stream the last events, entry id "<seq>-0", field "e" = event JSON
--   history:<id>            list   the agent's presence transitions, newest first:
--                                  "<ts> online join" | "<ts> online" | "<ts> offline <reason>"
--   chat                    zset   the colony's chat events (member: event JSON, score: seq)
-- and the colony's pub/sub channel has the name of its events stream.

-- Limits the hub sets from its flags when it loads the scripts: hub/redis/script_set.hpp replaces
-- the number on each of these lines (ScriptConstant). The values written here are the flags'
-- defaults, so that the text is a valid script on its own.
local presence_history_length = 10000  -- --history-length: transitions kept per agent
local presence_history_ms = 2592000000 -- --history-days, in ms: older transitions are dropped
local chat_history_length = 10000      -- --chat-history-length: chat events kept per colony

local function json_string(text)
  return cjson.encode(text)
end

local function json_string_or_null(text)
  if text == nil or text == false or text == '' then
    return 'null'
  end
  return cjson.encode(text)
end

local function hash_to_table(flat)
  local t = {}
  for i = 1, #flat, 2 do
    t[flat[i]] = flat[i + 1]
  end
  return t
end

-- AGENT as the contract defines it, or nil when there is no such agent.
local function agent_json(prefix, id)
  local a = hash_to_table(redis.call('HGETALL', prefix .. 'agent:' .. id))
  if a.id == nil then
    return nil
  end
  local last_seen = 'null'
  if a.last_seen ~= nil and a.last_seen ~= '' then
    last_seen = a.last_seen
  end
  local alive = redis.call('GET', prefix .. 'alive:' .. id)
  if alive and (last_seen == 'null' or tonumber(alive) > tonumber(last_seen)) then
    last_seen = alive
  end
  return '{"id":' .. json_string(a.id) ..
      ',"colony":' .. json_string(a.colony) ..
      ',"kind":' .. json_string(a.kind) ..
      ',"status":' .. json_string(a.status) ..
      ',"last_seen":' .. last_seen ..
      ',"joined_at":' .. a.joined_at ..
      ',"clone_of":' .. json_string_or_null(a.clone_of) ..
      ',"invite":' .. json_string_or_null(a.invite) ..
      ',"meta":' .. (a.meta or '{}') ..
      ',"sockets":' .. redis.call('HLEN', prefix .. 'conns:' .. id) ..
      ',"reconnecting":' .. tostring(a.status == 'online' and (tonumber(a.grace_until) or 0) > 0) ..
      ',"offline_reason":' .. (a.status == 'offline' and json_string_or_null(a.offline_reason) or 'null') .. '}'
end

-- A new epoch, an id of a colony's event history, from Redis' clock (unix microseconds): a Redis
-- that lost the colony's keys (restarted empty, or a replica promoted without the last writes)
-- starts a history whose id no watcher has seen. Never `old` itself, should the clock repeat.
-- Redis 7 replicates a script's effects, not the script, so TIME may precede writes.
local function new_epoch(old)
  local time = redis.call('TIME')
  local epoch = time[1] .. string.format('%06d', tonumber(time[2]))
  if epoch == old then
    epoch = epoch .. '1'
  end
  return epoch
end

-- The colony's epoch, made when the colony has none yet (a new colony, or one whose keys were
-- lost), so that every event, snapshot and resume carries one.
local function colony_epoch(prefix)
  local epoch = redis.call('GET', prefix .. 'epoch')
  if not epoch then
    epoch = new_epoch(nil)
    redis.call('SET', prefix .. 'epoch', epoch)
  end
  return epoch
end

-- Appends a presence transition to the agent's history (history:<id>, newest first), where the
-- presence changes: every join, online and offline event passes through emit_event, so the
-- history and the events cannot disagree. The agent is the one the event's body starts with
-- (',"agent":{"id":"<id>"', agent_json); an offline transition takes its reason from the hash,
-- which the script set before emitting. The list keeps presence_history_length entries, drops
-- those older than presence_history_ms (a few per call, oldest first), and expires when the
-- agent has had no transition for that long.
local function record_transition(prefix, kind, body, now_ms)
  local id = string.match(body, '^,"agent":{"id":"([^"]+)"')
  if not id then
    return
  end
  local entry = now_ms .. ' online'
  if kind == 'join' then
    entry = entry .. ' join'
  elseif kind == 'offline' then
    local reason = redis.call('HGET', prefix .. 'agent:' .. id, 'offline_reason')
    entry = now_ms .. ' offline ' .. ((reason and reason ~= '') and reason or 'unknown')
  end
  local key = prefix .. 'history:' .. id
  redis.call('LPUSH', key, entry)
  redis.call('LTRIM', key, 0, presence_history_length - 1)
  local oldest_kept = tonumber(now_ms) - presence_history_ms
  for _ = 1, 8 do
    local oldest = redis.call('LINDEX', key, -1)
    local ts = oldest and tonumber(string.match(oldest, '^(%d+)'))
    if not ts or ts >= oldest_kept then
      break
    end
    redis.call('RPOP', key)
  end
  redis.call('PEXPIRE', key, presence_history_ms)
end

-- Keeps a chat event in the colony's chat log (chat, scored by seq), apart from the event stream
-- so that presence traffic never pushes chat out; the lowest seqs go beyond chat_history_length.
local function record_chat(prefix, seq, event)
  local key = prefix .. 'chat'
  redis.call('ZADD', key, seq, event)
  redis.call('ZREMRANGEBYRANK', key, 0, -(chat_history_length + 1))
end

-- Takes the colony's next seq, stores the event in the capped stream and publishes it, so that
-- every hub sees one order. `body` is the event's fields after "event" (starting with a comma).
-- The head ("type", "colony", "seq", "epoch", "ts", "event", in this order) is what the hub
-- reads without parsing the rest (protocol/event_header.hpp).
local function emit_event(prefix, colony, now_ms, kind, body, stream_max_length)
  local epoch = colony_epoch(prefix)
  local seq = redis.call('INCR', prefix .. 'seq')
  local event = '{"type":"event","colony":' .. json_string(colony) ..
      ',"seq":' .. seq .. ',"epoch":"' .. epoch .. '","ts":' .. now_ms .. ',"event":"' .. kind .. '"' .. body .. '}'
  redis.call('XADD', prefix .. 'events', 'MAXLEN', '~', stream_max_length, seq .. '-0', 'e', event)
  redis.call('PUBLISH', prefix .. 'events', event)
  if kind == 'join' or kind == 'online' or kind == 'offline' then
    record_transition(prefix, kind, body, now_ms)
  elseif kind == 'chat' then
    record_chat(prefix, seq, event)
  end
  return seq
end

-- INVITE fields as a flat array, in the order the hub reads them (hub/store/invite_store.cpp).
local function invite_reply(prefix, code)
  local i = hash_to_table(redis.call('HGETALL', prefix .. 'invite:' .. code))
  if i.code == nil then
    return nil
  end
  return {i.code, i.type, i.colony, i.name or '', i.status, i.created_at, i.redeemed_by or ''}
end

-- The name a clone is numbered from: "jared-2" -> "jared" (a suffix -N with N >= 2).
local function clone_base(id)
  local base, n = string.match(id, '^(.+)%-([1-9][0-9]*)$')
  if base and tonumber(n) >= 2 then
    return base
  end
  return id
end

-- The first free id for `base`: base itself when it was never used, else base-N with the
-- smallest N >= 2 never used, keeping the id within 63 characters.
local function allocate_agent_id(prefix, base, suffix_always)
  local names = prefix .. 'names'
  if not suffix_always and redis.call('SISMEMBER', names, base) == 0 then
    redis.call('SADD', names, base)
    return base
  end
  local counter = prefix .. 'suffix:' .. base
  local n = tonumber(redis.call('GET', counter) or '1')
  while true do
    n = n + 1
    local suffix = '-' .. n
    local candidate = string.sub(base, 1, 63 - #suffix) .. suffix
    if redis.call('SISMEMBER', names, candidate) == 0 then
      redis.call('SET', counter, n)
      redis.call('SADD', names, candidate)
      return candidate
    end
  end
end

-- Whether Redis' clock is past `deadline`, ms on Redis' clock ("0": none). A hub gives up on a
-- command after --redis-timeout and tells its caller "unavailable"; the command may still be
-- waiting in a stalled Redis and run when it resumes, and then it must change nothing: nobody
-- waits for its answer, and the hub is already ending what it would start. The hub writes the
-- deadline on Redis' clock (hub/store/redis_clock.hpp), so the two clocks need not agree.
local function past_deadline(deadline)
  local ms = tonumber(deadline) or 0
  if ms <= 0 then
    return false
  end
  local time = redis.call('TIME')
  return tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000) > ms
end

-- Hub liveness is judged on Redis' own clock (TIME), so that hubs' clocks need not agree. The key
-- "heard" under the hubs prefix is when any hub last beat. A gap of more than half a liveness
-- period between beats means that Redis heard no hub at all for that long: it was stalled (a
-- long fork, a paused VM) or every hub was cut off from it. Liveness keys that expired meanwhile
-- are then no evidence of a dead hub, so claims wait ("settle-until") until every hub has had a
-- whole liveness period to beat again. Returns Redis' time in ms.
local function hubs_clock(prefix, liveness_ms)
  local time = redis.call('TIME')
  local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
  local heard = tonumber(redis.call('GET', prefix .. 'heard') or '0')
  if heard > 0 and now - heard > liveness_ms / 2 then
    redis.call('SET', prefix .. 'settle-until', now + liveness_ms, 'PX', liveness_ms)
  end
  return now
end

-- Whether two registered instance names ("<hub id>#<12-character nonce>",
-- hub/core/hub_instance.hpp) are of the same hub id.
local function same_hub_id(a, b)
  return #a == #b and #a > 13 and string.sub(a, -13, -13) == '#' and string.sub(b, -13, -13) == '#' and
      string.sub(a, 1, -14) == string.sub(b, 1, -14)
end

-- Where a script that reads a colony's "agents" list a slice at a time goes on: the index after
-- the slice of `count` from `start` that held `got` ids, or 0 when that was the end of the list.
local function next_slice(start, count, got)
  if got == count then
    return start + count
  end
  return 0
end

-- Presence leases. An agent is online while it holds a socket, or while a lease keeps it: the
-- grace after its last socket dropped (grace_until, with the reason the drop would have had), or
-- an HTTP beat or a health report (kept_until, with "timeout" or "unhealthy"). The colony's
-- "leases" set holds each agent's earliest lease end, for expire_leases.lua; the hub then files
-- the colony under that time in the index of due colonies (lease_schedule.lua).

-- The lease fields of an agent hash as numbers (0: none).
local function agent_leases(agent_key)
  local f = redis.call('HMGET', agent_key, 'grace_until', 'grace_reason', 'kept_until', 'kept_reason')
  return {grace_until = tonumber(f[1] or '0') or 0, grace_reason = f[2] or 'closed',
          kept_until = tonumber(f[3] or '0') or 0, kept_reason = f[4] or 'timeout'}
end

-- Files the agent in the colony's lease set under its earliest lease end, or takes it out when it
-- has none. Returns that end (0: none).
local function file_leases(prefix, id)
  local l = agent_leases(prefix .. 'agent:' .. id)
  local first = 0
  if l.grace_until > 0 then first = l.grace_until end
  if l.kept_until > 0 and (first == 0 or l.kept_until < first) then first = l.kept_until end
  if first > 0 then
    redis.call('ZADD', prefix .. 'leases', first, id)
  else
    redis.call('ZREM', prefix .. 'leases', id)
  end
  return first
end

-- Whether a lease keeps the agent online at `now`.
local function leased_at(agent_key, now)
  local l = agent_leases(agent_key)
  return l.grace_until > now or l.kept_until > now
end

-- Puts an online agent with no socket and no lease left at `now` offline (event "offline" with
-- the reason of the lease that ended last), clearing the leases that ended. Returns the seq of
-- the event, or 0 when the agent stays as it is.
local function settle_leases(prefix, id, now, stream_max_length)
  local agent_key = prefix .. 'agent:' .. id
  local l = agent_leases(agent_key)
  local reason = nil
  local ended_at = -1
  if l.grace_until > 0 and l.grace_until <= now then
    redis.call('HDEL', agent_key, 'grace_until', 'grace_reason')
    reason, ended_at = l.grace_reason, l.grace_until
    l.grace_until = 0
  end
  if l.kept_until > 0 and l.kept_until <= now then
    redis.call('HDEL', agent_key, 'kept_until', 'kept_reason')
    if l.kept_until > ended_at then reason, ended_at = l.kept_reason, l.kept_until end
    l.kept_until = 0
  end
  file_leases(prefix, id)
  if reason == nil or l.grace_until > now or l.kept_until > now then return 0 end
  if redis.call('HLEN', prefix .. 'conns:' .. id) > 0 then return 0 end
  local status = redis.call('HMGET', agent_key, 'status', 'colony')
  if status[1] ~= 'online' then return 0 end
  redis.call('HSET', agent_key, 'status', 'offline', 'offline_reason', reason)
  return emit_event(prefix, status[2], now, 'offline',
      ',"agent":' .. agent_json(prefix, id) .. ',"reason":' .. json_string(reason), stream_max_length)
end
