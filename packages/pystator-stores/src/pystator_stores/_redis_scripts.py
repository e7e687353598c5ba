"""The Lua scripts of ``RedisStateStore``: every write is one script, so it is atomic in Redis.

Redis does not roll a script back when a command inside it fails, so each write script checks
everything first and writes last, starting with the one command that can still refuse (the ``XADD``
of the history entry, whose id must grow).

Keys, under the store's prefix ``P`` (``{n}:{machine}`` is the machine name with its byte length in
front, so that no machine and state pair can spell another's key):

- ``P e:{id}``: hash of the entity (machine, state, version, context, metadata, created_at, updated_at)
- ``P h:{id}``: stream of the history, entry id ``{version}-1``, one field ``r``: the row as JSON
- ``P a:{id}``: hash version -> ``{"status", "outcomes"}`` of transitions that planned actions
- ``P i:{id}``: hash idempotency key -> version
- ``P pending`` and ``P pm:{n}:{machine}``: sorted sets (score: commit time) of pending transitions
- ``P m:{n}:{machine}``, ``P ms:{n}:{machine}:{state}``: sorted sets of entity ids (lexical paging)
- ``P mc:{n}:{machine}``: hash state -> number of entities
"""

from __future__ import annotations

__all__ = ["COMMIT", "MARK_ACTIONS", "READ_HISTORY", "READ_PENDING", "SET_CONTEXT", "SET_STATES"]

_PRELUDE = """
local p = ARGV[1]
local function mkey(kind, machine)
  return p .. kind .. string.len(machine) .. ':' .. machine
end
local function unindex(id, machine, state)
  redis.call('ZREM', mkey('ms:', machine) .. ':' .. state, id)
  local counts = mkey('mc:', machine)
  if redis.call('HINCRBY', counts, state, -1) <= 0 then
    redis.call('HDEL', counts, state)
  end
  redis.call('ZREM', mkey('m:', machine), id)
end
local function index(id, machine, state)
  redis.call('ZADD', mkey('ms:', machine) .. ':' .. state, 0, id)
  redis.call('HINCRBY', mkey('mc:', machine), state, 1)
  redis.call('ZADD', mkey('m:', machine), 0, id)
end
local function move(id, machine, from, to)
  local states = mkey('ms:', machine) .. ':'
  redis.call('ZREM', states .. from, id)
  redis.call('ZADD', states .. to, 0, id)
  local counts = mkey('mc:', machine)
  if redis.call('HINCRBY', counts, from, -1) <= 0 then
    redis.call('HDEL', counts, from)
  end
  redis.call('HINCRBY', counts, to, 1)
end
local function field(fields, name)
  for i = 1, #fields, 2 do
    if fields[i] == name then return fields[i + 1] end
  end
  return false
end
"""

# ARGV: prefix, id, machine, expected, to_state, context, metadata, timestamp, idempotency_key,
#       history entry (JSON), pending score ('' when the transition plans no actions)
COMMIT = (
    _PRELUDE
    + """
local id, machine, expected, state, key = ARGV[2], ARGV[3], tonumber(ARGV[4]), ARGV[5], ARGV[9]
local ekey = p .. 'e:' .. id
if key ~= '' then
  local first = redis.call('HGET', p .. 'i:' .. id, key)
  if first then return {'duplicate', first} end
end
local cur = redis.call('HMGET', ekey, 'machine', 'state', 'version')
local actual = 0
if cur[3] then
  actual = tonumber(cur[3])
  if not actual or actual < 1 or not cur[2] then return {'corrupt', 'version', tostring(cur[3])} end
  local owner = cur[1] or ''
  if owner ~= '' and owner ~= machine then return {'machine', owner} end
end
if actual ~= expected then return {'stale', tostring(actual)} end
local version = actual + 1
local ok, err = pcall(redis.call, 'XADD', p .. 'h:' .. id, version .. '-1', 'r', ARGV[10])
if not ok then return {'corrupt', 'history', tostring(err)} end
redis.call('HSET', ekey, 'machine', machine, 'state', state, 'version', version,
  'context', ARGV[6], 'metadata', ARGV[7], 'updated_at', ARGV[8])
if actual == 0 then
  redis.call('HSET', ekey, 'created_at', ARGV[8])
  index(id, machine, state)
elseif (cur[1] or '') ~= machine then
  unindex(id, cur[1] or '', cur[2])
  index(id, machine, state)
elseif cur[2] ~= state then
  move(id, machine, cur[2], state)
end
if key ~= '' then redis.call('HSET', p .. 'i:' .. id, key, version) end
if ARGV[11] ~= '' then
  redis.call('HSET', p .. 'a:' .. id, version, '{"status":"pending","outcomes":[]}')
  local member = cjson.encode({machine, id, version})
  redis.call('ZADD', p .. 'pending', ARGV[11], member)
  redis.call('ZADD', mkey('pm:', machine), ARGV[11], member)
end
return {'applied', tostring(version)}
"""
)

# ARGV: prefix, metadata, timestamp, expected ('' = unconditional), then id, state pairs.
# With an expected version there is exactly one pair. Everything is checked before anything is written.
SET_STATES = (
    _PRELUDE
    + """
local metadata, now, expected = ARGV[2], ARGV[3], ARGV[4]
local current = {}
for i = 5, #ARGV, 2 do
  local cur = redis.call('HMGET', p .. 'e:' .. ARGV[i], 'machine', 'state', 'version')
  local actual = 0
  if cur[3] then
    actual = tonumber(cur[3])
    if not actual or actual < 1 or not cur[2] then return {'corrupt', ARGV[i], tostring(cur[3])} end
  end
  if expected ~= '' and actual ~= tonumber(expected) then return {'stale', tostring(actual)} end
  current[i] = {cur[1] or '', cur[2], actual}
end
local versions = {}
for i = 5, #ARGV, 2 do
  local id, state, cur = ARGV[i], ARGV[i + 1], current[i]
  local ekey = p .. 'e:' .. id
  local version = cur[3] + 1
  if cur[3] == 0 then
    redis.call('HSET', ekey, 'machine', '', 'state', state, 'version', 1, 'context', '{}',
      'metadata', metadata, 'created_at', now, 'updated_at', now)
    index(id, '', state)
  else
    redis.call('HSET', ekey, 'state', state, 'version', version, 'metadata', metadata, 'updated_at', now)
    if cur[2] ~= state then move(id, cur[1], cur[2], state) end
  end
  versions[#versions + 1] = tostring(version)
end
return {'applied', versions}
"""
)

# ARGV: prefix, id, context, timestamp
SET_CONTEXT = """
local ekey = ARGV[1] .. 'e:' .. ARGV[2]
if redis.call('EXISTS', ekey) == 0 then return 0 end
redis.call('HSET', ekey, 'context', ARGV[3], 'updated_at', ARGV[4])
return 1
"""

# ARGV: prefix, id, version, payload
MARK_ACTIONS = (
    _PRELUDE
    + """
local id, version = ARGV[2], ARGV[3]
local entries = redis.call('XRANGE', p .. 'h:' .. id, version .. '-1', version .. '-1')
if #entries == 0 then return false end
local machine = cjson.decode(field(entries[1][2], 'r')).machine
redis.call('HSET', p .. 'a:' .. id, version, ARGV[4])
local member = cjson.encode({machine, id, tonumber(version)})
redis.call('ZREM', p .. 'pending', member)
redis.call('ZREM', mkey('pm:', machine), member)
return {entries[1][1], entries[1][2]}
"""
)

# ARGV: prefix, id, start id, end id, count. Returns {entry id, fields, action payload or false}.
READ_HISTORY = """
local p, id = ARGV[1], ARGV[2]
local entries = redis.call('XRANGE', p .. 'h:' .. id, ARGV[3], ARGV[4], 'COUNT', ARGV[5])
local out = {}
for i, entry in ipairs(entries) do
  local version = string.match(entry[1], '^(%d+)-')
  out[i] = {entry[1], entry[2], redis.call('HGET', p .. 'a:' .. id, version) or false}
end
return out
"""

# ARGV: prefix, pending set key, max score, limit. Returns {entity id, entry id, fields, payload}.
READ_PENDING = """
local p = ARGV[1]
local members = redis.call('ZRANGEBYSCORE', ARGV[2], '-inf', ARGV[3], 'LIMIT', 0, ARGV[4])
local out = {}
for _, member in ipairs(members) do
  local item = cjson.decode(member)
  local id, version = item[2], tostring(item[3])
  local entries = redis.call('XRANGE', p .. 'h:' .. id, version .. '-1', version .. '-1')
  if #entries == 1 then
    out[#out + 1] = {id, entries[1][1], entries[1][2], redis.call('HGET', p .. 'a:' .. id, version) or false}
  end
end
return out
"""
