"""The Lua scripts that change timer state in Redis, each one atomic.

Layout under a key prefix ``P`` (one Redis Cluster slot when ``P`` holds a hash tag):

- ``P..'due:'..h``  sorted set per handler name ``h``: pending timer ids by the time they fire next
                    (ms, Redis clock); a process claims only from the sets of handlers it has
- ``P..'handlers'`` set: every handler name that has had a timer
- ``P..'inflight'`` sorted set: claimed timer ids by the time their lease ends
- ``P..'t:'..id``   hash: the timer's small fields (handler, status, attempts, times, lease token)
- ``P..'b:'..id``   string: the timer's immutable body (event, metadata) as JSON
- ``P..'e:'..eid``  sorted set (all scores 0, compact for few members): ids of the entity's timers
                    not yet finished
- ``P..'stats'``    hash: counters (fired, failed, cancelled, retried, recovered)
- ``P..'lags'``     list: how late the last 1,000 claims were (ms)

All times come from the Redis server (``TIME``), never from a client. A claim moves a timer from
its due set to ``inflight`` with a lease; a reaper (run inside every claim) returns expired leases
to the due set. Nothing is popped and then fired: a process killed while firing loses nothing.
Finished timers keep their hash and body for a retention period, so that scheduling the same id
again is a no-op, then expire.
"""

from __future__ import annotations

__all__ = [
    "ACK",
    "CANCEL",
    "CANCEL_ENTITY",
    "CLAIM_DUE",
    "CLAIM_ONE",
    "EXTEND",
    "FAIL",
    "FORGET",
    "REARM",
    "RELEASE",
    "SCHEDULE",
    "SWEEP",
]

_PRELUDE = """
local P = ARGV[1]
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function int(x) return string.format('%d', x) end
local function due_key(id)
  return P .. 'due:' .. redis.call('HGET', P .. 't:' .. id, 'handler')
end
local function finish(id, status, retention)
  local tk = P .. 't:' .. id
  redis.call('HSET', tk, 'status', status, 'token', '')
  redis.call('ZREM', P .. 'e:' .. redis.call('HGET', tk, 'entity'), id)
  redis.call('EXPIRE', tk, retention)
  redis.call('EXPIRE', P .. 'b:' .. id, retention)
  redis.call('HINCRBY', P .. 'stats', status, 1)
end
local function claim(id, now, lease, owner)
  local tk = P .. 't:' .. id
  local attempts = redis.call('HINCRBY', tk, 'attempts', 1)
  local token = owner .. ':' .. attempts
  redis.call('HSET', tk, 'status', 'firing', 'token', token)
  redis.call('ZADD', P .. 'inflight', now + lease, id)
  local lag = now - tonumber(redis.call('HGET', tk, 'next'))
  if lag < 0 then lag = 0 end
  redis.call('LPUSH', P .. 'lags', int(lag))
  redis.call('LTRIM', P .. 'lags', 0, 999)
  return {id, token, redis.call('HGETALL', tk), redis.call('GET', P .. 'b:' .. id)}
end
local function recover(id)
  -- an expired lease: the timer is pending again, due when it was due
  local tk = P .. 't:' .. id
  redis.call('ZREM', P .. 'inflight', id)
  if redis.call('EXISTS', tk) == 0 then return end
  redis.call('HSET', tk, 'status', 'pending', 'token', '')
  redis.call('ZADD', due_key(id), redis.call('HGET', tk, 'next'), id)
  redis.call('HINCRBY', P .. 'stats', 'recovered', 1)
end
"""

# ARGV: P, id, entity, body_json, delay_ms, handler -> {created 0|1, scheduled_ms, due_ms}
SCHEDULE = (
    _PRELUDE
    + """
local id = ARGV[2]
local tk = P .. 't:' .. id
if redis.call('EXISTS', tk) == 1 then
  return {0, tonumber(redis.call('HGET', tk, 'sched')), tonumber(redis.call('HGET', tk, 'due'))}
end
local now = now_ms()
local due = now + tonumber(ARGV[5])
redis.call('HSET', tk, 'entity', ARGV[3], 'handler', ARGV[6], 'delay', ARGV[5], 'sched', int(now),
  'due', int(due), 'next', int(due), 'status', 'pending', 'attempts', 0, 'hop', 0, 'token', '')
redis.call('SET', P .. 'b:' .. id, ARGV[4])
redis.call('ZADD', P .. 'due:' .. ARGV[6], due, id)
redis.call('SADD', P .. 'handlers', ARGV[6])
redis.call('ZADD', P .. 'e:' .. ARGV[3], 0, id)
return {1, now, due}
"""
)

# ARGV: P, limit, lease_ms, owner, reap_limit, handler... -> {now, next_due or -1, {claimed...}}
# Claims due timers of the given handlers only, earliest first within each handler.
CLAIM_DUE = (
    _PRELUDE
    + """
local now = now_ms()
local lease = tonumber(ARGV[3])
local room = tonumber(ARGV[2])
local expired = redis.call('ZRANGEBYSCORE', P .. 'inflight', '-inf', now, 'LIMIT', 0, tonumber(ARGV[5]))
for _, id in ipairs(expired) do
  recover(id)
end
local out = {}
local next_due = -1
for i = 6, #ARGV do
  local dk = P .. 'due:' .. ARGV[i]
  if room > #out then
    for _, id in ipairs(redis.call('ZRANGEBYSCORE', dk, '-inf', now, 'LIMIT', 0, room - #out)) do
      redis.call('ZREM', dk, id)
      if redis.call('EXISTS', P .. 't:' .. id) == 1 then
        out[#out + 1] = claim(id, now, lease, ARGV[4])
      end
    end
  end
  local head = redis.call('ZRANGE', dk, 0, 0, 'WITHSCORES')
  if #head > 0 and (next_due < 0 or tonumber(head[2]) < next_due) then next_due = tonumber(head[2]) end
end
return {now, next_due, out}
"""
)

# ARGV: P, id, hop, lease_ms, owner
# -> {'fire', claimed} | {'wait', remaining_ms} | {'drop', reason}
CLAIM_ONE = (
    _PRELUDE
    + """
local id = ARGV[2]
local tk = P .. 't:' .. id
if redis.call('EXISTS', tk) == 0 then return {'drop', 'unknown'} end
local now = now_ms()
local status = redis.call('HGET', tk, 'status')
if status == 'firing' then
  local lease_end = redis.call('ZSCORE', P .. 'inflight', id)
  if lease_end and tonumber(lease_end) > now then return {'drop', 'firing'} end
  recover(id)
  status = 'pending'
end
if status ~= 'pending' then return {'drop', status} end
if redis.call('HGET', tk, 'hop') ~= ARGV[3] then return {'drop', 'stale'} end
local nxt = tonumber(redis.call('HGET', tk, 'next'))
if nxt > now then return {'wait', nxt - now} end
redis.call('ZREM', due_key(id), id)
return {'fire', claim(id, now, tonumber(ARGV[4]), ARGV[5])}
"""
)

# ARGV: P, id, hop -> new hop, or -1 when the timer is not pending at that hop (someone else moved it)
REARM = (
    _PRELUDE
    + """
local tk = P .. 't:' .. ARGV[2]
if redis.call('HGET', tk, 'status') ~= 'pending' or redis.call('HGET', tk, 'hop') ~= ARGV[3] then
  return -1
end
return redis.call('HINCRBY', tk, 'hop', 1)
"""
)

# ARGV: P, id, token, retention_s -> 1, or 0 when the lease was lost (another claim may fire it)
ACK = (
    _PRELUDE
    + """
local id = ARGV[2]
local tk = P .. 't:' .. id
if redis.call('HGET', tk, 'token') ~= ARGV[3] then return 0 end
redis.call('ZREM', P .. 'inflight', id)
redis.call('HSET', tk, 'fired', int(now_ms()))
finish(id, 'fired', tonumber(ARGV[4]))
return 1
"""
)

# ARGV: P, id, token, error, backoff_ms, max_attempts, retention_s
# -> new hop (>= 1) when retried later, 0 when given up (failed), -1 when the lease was lost
FAIL = (
    _PRELUDE
    + """
local id = ARGV[2]
local tk = P .. 't:' .. id
if redis.call('HGET', tk, 'token') ~= ARGV[3] then return -1 end
redis.call('ZREM', P .. 'inflight', id)
redis.call('HSET', tk, 'error', ARGV[4])
if tonumber(redis.call('HGET', tk, 'attempts')) >= tonumber(ARGV[6]) then
  finish(id, 'failed', tonumber(ARGV[7]))
  return 0
end
local nxt = now_ms() + tonumber(ARGV[5])
redis.call('HSET', tk, 'status', 'pending', 'token', '', 'next', int(nxt))
redis.call('ZADD', due_key(id), nxt, id)
redis.call('HINCRBY', P .. 'stats', 'retried', 1)
return redis.call('HINCRBY', tk, 'hop', 1)
"""
)

# ARGV: P, id, token -> 1 when handed back (pending again, this attempt not counted), else 0
RELEASE = (
    _PRELUDE
    + """
local id = ARGV[2]
local tk = P .. 't:' .. id
if redis.call('HGET', tk, 'token') ~= ARGV[3] then return 0 end
redis.call('ZREM', P .. 'inflight', id)
redis.call('HINCRBY', tk, 'attempts', -1)
redis.call('HSET', tk, 'status', 'pending', 'token', '')
redis.call('ZADD', due_key(id), redis.call('HGET', tk, 'next'), id)
return 1
"""
)

# ARGV: P, lease_ms, id1, token1, id2, token2, ... -> how many leases were extended
EXTEND = (
    _PRELUDE
    + """
local lease_end = now_ms() + tonumber(ARGV[2])
local extended = 0
for i = 3, #ARGV, 2 do
  if redis.call('HGET', P .. 't:' .. ARGV[i], 'token') == ARGV[i + 1] then
    redis.call('ZADD', P .. 'inflight', 'XX', lease_end, ARGV[i])
    extended = extended + 1
  end
end
return extended
"""
)

# ARGV: P, id, retention_s -> 1 when a pending timer was cancelled, else 0
CANCEL = (
    _PRELUDE
    + """
if redis.call('EXISTS', P .. 't:' .. ARGV[2]) == 0 then return 0 end
if redis.call('ZREM', due_key(ARGV[2]), ARGV[2]) == 0 then return 0 end
finish(ARGV[2], 'cancelled', tonumber(ARGV[3]))
return 1
"""
)

# ARGV: P, id -> 1 when a pending timer was removed without a trace (its message could not be sent)
FORGET = (
    _PRELUDE
    + """
local id = ARGV[2]
local tk = P .. 't:' .. id
if redis.call('HGET', tk, 'status') ~= 'pending' then return 0 end
redis.call('ZREM', due_key(id), id)
redis.call('ZREM', P .. 'e:' .. redis.call('HGET', tk, 'entity'), id)
redis.call('DEL', tk, P .. 'b:' .. id)
return 1
"""
)

# ARGV: P, entity, retention_s -> how many pending timers were cancelled
CANCEL_ENTITY = (
    _PRELUDE
    + """
local cancelled = 0
for _, id in ipairs(redis.call('ZRANGE', P .. 'e:' .. ARGV[2], 0, -1)) do
  if redis.call('ZREM', due_key(id), id) == 1 then
    finish(id, 'cancelled', tonumber(ARGV[3]))
    cancelled = cancelled + 1
  end
end
return cancelled
"""
)

# ARGV: P, grace_ms, limit -> {{id, hop}, ...}: timers whose fire message looks lost, re-armed at a new
# hop (expired leases are recovered first). Used by the Celery scheduler.
SWEEP = (
    _PRELUDE
    + """
local now = now_ms()
local expired = redis.call('ZRANGEBYSCORE', P .. 'inflight', '-inf', now, 'LIMIT', 0, tonumber(ARGV[3]))
for _, id in ipairs(expired) do
  recover(id)
end
local out = {}
local overdue = now - tonumber(ARGV[2])
for _, handler in ipairs(redis.call('SMEMBERS', P .. 'handlers')) do
  local dk = P .. 'due:' .. handler
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', dk, '-inf', overdue, 'LIMIT', 0, tonumber(ARGV[3]))) do
    out[#out + 1] = {id, redis.call('HINCRBY', P .. 't:' .. id, 'hop', 1)}
  end
end
return out
"""
)
