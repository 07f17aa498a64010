-- Set, move or retract one reader's mood on one article, atomically, and follow it in the
-- rankings. Composed from the constants prelude + rank_write.lua + this file.
-- KEYS[1] = the article's vote records, a hash: reader id -> "<mood>|<cast unix seconds>"
-- KEYS[2] = the article's numbers, a hash: "r:<mood>" -> count (shares and views live there too)
-- KEYS[3] = the article's meta hash (channel, down), KEYS[4] = its ranking outbox
--           (rank_write.lua)
-- KEYS[5 ...] = state and pending keys of 0, 1 or 2 ranking scopes (site, then the guessed
--               channel), see rank_lib.lua
-- ARGV[1] = reader id, ARGV[2] = mood key to hold, or "" to retract,
-- ARGV[3] = now, unix seconds (the cast time recorded when the standing vote changes)
-- ARGV[4 ...] = the ranking block of rk_after_article: scopes passed, guessed channel,
--               article id, meta required
-- Returns {numbers as a flat HGETALL, changed 0/1, old mood or "", old cast time or "",
--          channel, down, channel folded, site claimed, channel claimed, outbox, ops}: ops
-- (flat {code, hour, delta}...) are what the rankings follow; what the scopes passed could
-- not carry (Redis Cluster: all of it) is in the outbox, which the caller folds with
-- rank_pend.lua.
-- Setting the mood a reader already holds changes nothing, not even the cast time, so a
-- repeated or retried PUT is idempotent and windowed rankings keep the original cast time.
local reader, mood, now = ARGV[1], ARGV[2], tonumber(ARGV[3])
local rec = redis.call('HGET', KEYS[1], reader)
local old, old_ts = '', ''
if rec then
  local sep = string.find(rec, '|', 1, true)
  old = string.sub(rec, 1, sep - 1)
  old_ts = string.sub(rec, sep + 1)
end

local function bump(m, by)
  local field = 'r:' .. m
  if redis.call('HINCRBY', KEYS[2], field, by) <= 0 then
    redis.call('HDEL', KEYS[2], field)
  end
end

local changed = 0
if mood == '' then
  if rec then
    redis.call('HDEL', KEYS[1], reader)
    bump(old, -1)
    changed = 1
  end
elseif mood ~= old then
  if rec then bump(old, -1) end
  redis.call('HSET', KEYS[1], reader, mood .. '|' .. ARGV[3])
  bump(mood, 1)
  changed = 1
end

local ops = {}
if changed == 1 then
  if old ~= '' then
    ops[#ops + 1] = {RK_MOOD_PREFIX .. old, math.floor(tonumber(old_ts) / RK_HOUR), -1}
  end
  if mood ~= '' then
    ops[#ops + 1] = {RK_MOOD_PREFIX .. mood, math.floor(now / RK_HOUR), 1}
  end
end
local after = rk_after_article(KEYS[3], KEYS[4], 5, 4, now, ops)
return rk_reply({redis.call('HGETALL', KEYS[2]), changed, old, old_ts}, after, ops)
