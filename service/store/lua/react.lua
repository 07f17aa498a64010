-- Set, move or retract one reader's mood on one article, atomically.
-- KEYS[1] = the article's vote records, a hash: reader id -> "<mood>|<cast unix seconds>"
-- KEYS[2] = the article's numbers, a hash: "r:<mood>" -> count (shares and views live there too)
-- ARGV[1] = reader id
-- ARGV[2] = mood key to hold, or "" to retract
-- ARGV[3] = now, unix seconds (the cast time recorded when the standing vote changes)
-- Returns {numbers as a flat HGETALL, changed 0/1, old mood or "", old cast time or ""}.
-- Setting the mood a reader already holds changes nothing, not even the cast time, so a
-- repeated or retried PUT is idempotent and windowed rankings keep the original cast time.
local rec = redis.call('HGET', KEYS[1], ARGV[1])
local old, old_ts = '', ''
if rec then
  local sep = string.find(rec, '|', 1, true)
  old = string.sub(rec, 1, sep - 1)
  old_ts = string.sub(rec, sep + 1)
end

local function bump(mood, by)
  local field = 'r:' .. mood
  if redis.call('HINCRBY', KEYS[2], field, by) <= 0 then
    redis.call('HDEL', KEYS[2], field)
  end
end

local mood = ARGV[2]
local changed = 0
if mood == '' then
  if rec then
    redis.call('HDEL', KEYS[1], ARGV[1])
    bump(old, -1)
    changed = 1
  end
elseif mood ~= old then
  if rec then bump(old, -1) end
  redis.call('HSET', KEYS[1], ARGV[1], mood .. '|' .. ARGV[3])
  bump(mood, 1)
  changed = 1
end
return {redis.call('HGETALL', KEYS[2]), changed, old, old_ts}
