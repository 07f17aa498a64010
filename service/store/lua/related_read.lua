-- Candidates of 相关阅读 from one ranking scope (rolling it first if an hour passed).
-- Composed from the constants prelude + rank_lib.lua + rank_write.lua + this file (docs/reading.md).
-- KEYS = one scope, see rank_lib.lua
-- ARGV[1] = now (unix seconds), ARGV[2] = hot half-life hours, ARGV[3] = mood count,
-- ARGV[4 ...] = the site's moods, then: the window (e.g. 7d), K (articles per list), the
-- fewest votes the article needs for its mood lists to be read, the article the list is for.
-- Returns {all-time standing votes per mood (the scope's totals),
--          the article's standing votes per mood cast in the window,
--          candidates: the K best other articles of each mood's window list, then of hot's,
--                      each once, in that order (none if the article has too few votes),
--          the candidates' votes in the window, mood-major (#moods x #candidates),
--          hot: the K best other articles of hot's window list, best first}.
-- Ties are the sorted sets' order (greater article id first); a score of 0 is no entry.
-- A scope nothing was ever written to answers empty lists and creates nothing.
local moods, i = rk_moods(3)
local hl = tonumber(ARGV[2])
local window, k, min_votes, target = ARGV[i], tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2]),
                                     ARGV[i + 3]
local s = rk_scope(1, moods)
if redis.call('EXISTS', s.st) == 0 then return {{}, {}, {}, {}, {}} end
local R, E = rk_roll(s, math.floor(tonumber(ARGV[1]) / RK_HOUR), hl)
local w = nil
for j, name in ipairs(RK_WINDOW_NAMES) do if name == window then w = j - 1 end end
if w == nil then return redis.error_reply('unknown window ' .. window) end

local function top(key, floor)
  local out = {}
  for _, a in ipairs(redis.call('ZREVRANGEBYSCORE', key, '+inf', floor, 'LIMIT', 0, k + 1)) do
    if a ~= target and #out < k then out[#out + 1] = a end
  end
  return out
end

local totals, mine, cands, seen = {}, {}, {}, {}
local mood_keys = {}
local votes = 0
for j, m in ipairs(moods) do
  mood_keys[j] = KEYS[s.win[RK_MOOD_PREFIX .. m] + w]
  totals[j] = redis.call('HGET', s.st, 'all|' .. RK_MOOD_PREFIX .. m) or '0'
  mine[j] = redis.call('ZSCORE', mood_keys[j], target) or '0'
  votes = votes + tonumber(mine[j])
end
local hot = top(KEYS[s.win[RK_HOT] + w], '(' .. rk_fmt(RK_EPS * 2 ^ ((R - E) / hl)))
if votes < min_votes then return {totals, mine, {}, {}, hot} end
local lists = {}
for j = 1, #moods do lists[j] = top(mood_keys[j], '(0') end
lists[#lists + 1] = hot
for _, list in ipairs(lists) do
  for _, a in ipairs(list) do
    if not seen[a] then seen[a] = true; cands[#cands + 1] = a end
  end
end
local counts = {}
if #cands > 0 then
  for j = 1, #moods do
    local found = redis.call('ZMSCORE', mood_keys[j], unpack(cands))
    for c = 1, #cands do counts[#counts + 1] = found[c] or '0' end
  end
end
return {totals, mine, cands, counts, hot}
