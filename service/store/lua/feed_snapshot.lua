-- 推荐阅读's first page: from the snapshot of one scope's hot order that every first page of
-- the same snapshot slot shares; made here when absent (rolling the scope first).
-- Composed from the constants prelude + rank_lib.lua + rank_write.lua + this file (docs/reading.md).
-- KEYS[1] = the snapshot (a list of article ids), KEYS[2 ...] = one scope, see rank_lib.lua
-- ARGV[1] = now (unix seconds), ARGV[2] = hot half-life hours, ARGV[3] = mood count,
-- ARGV[4 ...] = the site's moods, then: the window (e.g. 7d), the depth (most articles a
-- snapshot keeps), its time to live in seconds, the entries to return.
-- Returns {the snapshot's length, its first entries}. An absent scope or an empty hot list
-- answers {0, {}} and creates nothing.
local moods, i = rk_moods(3)
local hl = tonumber(ARGV[2])
local window, depth, ttl, count = ARGV[i], tonumber(ARGV[i + 1]), ARGV[i + 2], ARGV[i + 3]
local snap = KEYS[1]
if redis.call('EXISTS', snap) == 0 then
  local s = rk_scope(2, moods)
  if redis.call('EXISTS', s.st) == 0 then return {0, {}} end
  local R, E = rk_roll(s, math.floor(tonumber(ARGV[1]) / RK_HOUR), hl)
  local w = nil
  for j, name in ipairs(RK_WINDOW_NAMES) do if name == window then w = j - 1 end end
  if w == nil then return redis.error_reply('unknown window ' .. window) end
  local floor = '(' .. rk_fmt(RK_EPS * 2 ^ ((R - E) / hl))
  local ids = redis.call('ZREVRANGEBYSCORE', KEYS[s.win[RK_HOT] + w], '+inf', floor,
                         'LIMIT', 0, depth)
  if #ids == 0 then return {0, {}} end
  for j = 1, #ids, 500 do
    redis.call('RPUSH', snap, unpack(ids, j, math.min(j + 499, #ids)))
  end
  redis.call('EXPIRE', snap, ttl)
end
return {redis.call('LLEN', snap), redis.call('LRANGE', snap, 0, count - 1)}
