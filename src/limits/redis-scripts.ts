/**
 * The two Lua scripts the Redis limiter runs. Each is one atomic step for every subject of a request, so
 * all-or-nothing needs no rollback, and the clock is Redis's own `TIME`, so instances with skewed clocks
 * still share one window. They mirror sliding-window.ts; keep the two in step.
 *
 * Keys per subject: a hash of one-second buckets (`r<second>` requests, `t<second>` tokens) and a sorted set
 * of in-flight tickets scored by the lease's expiry (a crashed instance's slots lapse on their own).
 */
import { createHash } from 'node:crypto';
import { RETENTION_SECONDS } from './sliding-window.ts';

const SHARED = `
if redis.replicate_commands then redis.replicate_commands() end
local clock = redis.call('TIME')
local nowSecond = tonumber(clock[1])
local nowMs = nowSecond * 1000 + math.floor(tonumber(clock[2]) / 1000)
local retention = ${RETENTION_SECONDS}
`;

/**
 * KEYS: per subject, window hash then in-flight set. ARGV: cost, ticket, leaseMs, then per subject rpm,
 * tpm, maxConcurrency (-1 = unlimited). Returns allowed, nowMs, nowSecond, then per subject: requests
 * used, wait ms, newest second; tokens used, wait ms, newest second; in flight (-1 = never fits).
 */
export const ADMIT_SCRIPT = `${SHARED}
local cost = tonumber(ARGV[1])
local ticket = ARGV[2]
local leaseMs = tonumber(ARGV[3])
local count = #KEYS / 2

local function waitUntilFits(buckets, used, amount, limit)
  if used + amount <= limit then return 0 end
  if amount > limit then return -1 end
  table.sort(buckets, function(left, right) return left[1] < right[1] end)
  for _, bucket in ipairs(buckets) do
    used = used - bucket[2]
    if used + amount <= limit then return math.max(1, (bucket[1] + retention) * 1000 - nowMs) end
  end
  return -1
end

local function read(key)
  local raw = redis.call('HGETALL', key)
  local axes = { r = { list = {}, used = 0, newest = -1 }, t = { list = {}, used = 0, newest = -1 } }
  local stale = {}
  for index = 1, #raw, 2 do
    local field = raw[index]
    local second = tonumber(string.sub(field, 2))
    local amount = tonumber(raw[index + 1])
    local axis = axes[string.sub(field, 1, 1)]
    if axis == nil or second == nil or nowSecond - second >= retention then
      stale[#stale + 1] = field
    elseif amount > 0 then
      axis.list[#axis.list + 1] = { second, amount }
      axis.used = axis.used + amount
      if second > axis.newest then axis.newest = second end
    end
  end
  if #stale > 0 then redis.call('HDEL', key, unpack(stale)) end
  return axes
end

local allowed = 1
local reply = {}
for subject = 1, count do
  local windowKey, flightKey = KEYS[subject * 2 - 1], KEYS[subject * 2]
  local base = 3 + (subject - 1) * 3
  local rpm, tpm, maxFlight = tonumber(ARGV[base + 1]), tonumber(ARGV[base + 2]), tonumber(ARGV[base + 3])
  local axes = read(windowKey)
  local requestWait, tokenWait, inFlight = 0, 0, 0
  if rpm >= 0 then requestWait = waitUntilFits(axes.r.list, axes.r.used, 1, rpm) end
  if tpm >= 0 then tokenWait = waitUntilFits(axes.t.list, axes.t.used, cost, tpm) end
  if maxFlight >= 0 then
    redis.call('ZREMRANGEBYSCORE', flightKey, '-inf', nowMs)
    inFlight = redis.call('ZCARD', flightKey)
    if inFlight >= maxFlight then allowed = 0 end
  end
  if requestWait ~= 0 or tokenWait ~= 0 then allowed = 0 end
  local out = #reply
  reply[out + 1], reply[out + 2], reply[out + 3] = axes.r.used, requestWait, axes.r.newest
  reply[out + 4], reply[out + 5], reply[out + 6] = axes.t.used, tokenWait, axes.t.newest
  reply[out + 7] = inFlight
end

if allowed == 1 then
  for subject = 1, count do
    local windowKey, flightKey = KEYS[subject * 2 - 1], KEYS[subject * 2]
    local base = 3 + (subject - 1) * 3
    local touched = false
    if tonumber(ARGV[base + 1]) >= 0 then
      redis.call('HINCRBY', windowKey, 'r' .. nowSecond, 1)
      touched = true
    end
    if tonumber(ARGV[base + 2]) >= 0 and cost > 0 then
      redis.call('HINCRBY', windowKey, 't' .. nowSecond, cost)
      touched = true
    end
    if touched then redis.call('PEXPIRE', windowKey, (retention + 1) * 1000) end
    if tonumber(ARGV[base + 3]) >= 0 then
      redis.call('ZADD', flightKey, nowMs + leaseMs, ticket)
      redis.call('PEXPIRE', flightKey, leaseMs)
    end
  end
end

return { allowed, nowMs, nowSecond, unpack(reply) }
`;

/**
 * KEYS: per subject, window hash then in-flight set. ARGV: ticket, admission second, token delta, then per
 * subject: 1/0 tokens were charged, 1/0 a slot was taken. Refunds never take a bucket below zero; an extra
 * charge whose bucket has expired lands in the current second.
 */
export const RELEASE_SCRIPT = `${SHARED}
local ticket = ARGV[1]
local second = tonumber(ARGV[2])
local delta = tonumber(ARGV[3])
for subject = 1, #KEYS / 2 do
  local windowKey, flightKey = KEYS[subject * 2 - 1], KEYS[subject * 2]
  local base = 3 + (subject - 1) * 2
  if ARGV[base + 1] == '1' and delta ~= 0 then
    local field = 't' .. second
    local current = tonumber(redis.call('HGET', windowKey, field) or '-1')
    if current >= 0 and nowSecond - second < retention then
      redis.call('HINCRBY', windowKey, field, math.max(delta, -current))
    elseif delta > 0 then
      redis.call('HINCRBY', windowKey, 't' .. nowSecond, delta)
      redis.call('PEXPIRE', windowKey, (retention + 1) * 1000)
    end
  end
  if ARGV[base + 2] == '1' then redis.call('ZREM', flightKey, ticket) end
end
return 1
`;

export interface Script {
  readonly source: string;
  readonly sha: string;
}

export function script(source: string): Script {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/**
 * KEYS: window hashes. ARGV: per subject, requests then tokens admitted elsewhere (by a fallback) to be
 * counted from now on, in the current second: conservative, as it counts them for a full window again.
 */
export const CARRY_SCRIPT = `${SHARED}
for subject = 1, #KEYS do
  local requests, tokens = tonumber(ARGV[subject * 2 - 1]), tonumber(ARGV[subject * 2])
  if requests > 0 then redis.call('HINCRBY', KEYS[subject], 'r' .. nowSecond, requests) end
  if tokens > 0 then redis.call('HINCRBY', KEYS[subject], 't' .. nowSecond, tokens) end
  redis.call('PEXPIRE', KEYS[subject], (retention + 1) * 1000)
end
return 1
`;
