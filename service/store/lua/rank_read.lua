-- Read the top of one or more rankings of one scope (rolling it first if an hour passed).
-- Composed from the constants prelude + rank_lib.lua + rank_write.lua + this file.
-- KEYS = one scope, see rank_lib.lua
-- ARGV[1] = now (unix seconds), ARGV[2] = hot half-life hours, ARGV[3] = mood count,
-- ARGV[4 ...] = the site's moods, then the query count and per query: metric, window, limit.
-- Returns {E (hot epoch hour), R (hour), state hash flat, {article, score, ...} per query}:
-- highest score first, ties by article id descending (the sorted set's order), score 0 out.
local moods, i = rk_moods(3)
local hl = tonumber(ARGV[2])
local s = rk_scope(1, moods)
local cur = math.floor(tonumber(ARGV[1]) / RK_HOUR)
local n = tonumber(ARGV[i])
if redis.call('EXISTS', s.st) == 0 then
  -- a scope nothing was ever written to (any channel name can be asked for): create nothing
  local out = {cur, cur, {}}
  for q = 1, n do out[#out + 1] = {} end
  return out
end
local R, E = rk_roll(s, cur, hl)
local out = {E, R, redis.call('HGETALL', s.st)}
local windex = {}
for w, name in ipairs(RK_WINDOW_NAMES) do windex[name] = w end
for q = 0, n - 1 do
  local metric, window, limit = ARGV[i + 1 + 3 * q], ARGV[i + 2 + 3 * q], ARGV[i + 3 + 3 * q]
  local win = s.win[metric]
  local floor = '(0'
  if metric == RK_HOT then floor = '(' .. rk_fmt(RK_EPS * 2 ^ ((R - E) / hl)) end
  if win and windex[window] then
    out[#out + 1] = redis.call('ZREVRANGEBYSCORE', KEYS[win + windex[window] - 1], '+inf', floor,
                               'WITHSCORES', 'LIMIT', 0, limit)
  else
    out[#out + 1] = {}
  end
end
return out
