-- Set, move or retract one reader's mood (react.lua) and follow it in the rankings.
-- Composed from rank_lib.lua + react.lua (wrapped as rk_base) + this file.
-- KEYS[1] = the article's vote records, KEYS[2] = its numbers (as react.lua)
-- KEYS[3] = the article's meta hash (channel, down)
-- KEYS[4 ...] = 0, 1 or 2 ranking scopes (site, then the guessed channel), see rank_lib.lua
-- ARGV[1] = reader id, ARGV[2] = mood or "" to retract, ARGV[3] = now (unix seconds)
-- ARGV[4 ...] = the ranking block of rk_after_article: scopes passed, hot half-life hours,
--               guessed channel, article id, meta required, mood count, the site's moods
-- Returns {numbers, changed, old mood, old cast time, channel, down, channel applied, ops}:
-- ops (flat {code, hour, delta}...) are what the rankings follow; with no scopes passed
-- (Redis Cluster: other slots) the caller applies them with rank_apply.lua.
local r = rk_base({KEYS[1], KEYS[2]}, {ARGV[1], ARGV[2], ARGV[3]})
local ops = {}
if r[2] == 1 then
  if r[3] ~= '' then
    ops[#ops + 1] = {'m:' .. r[3], math.floor(tonumber(r[4]) / 3600), -1}
  end
  if ARGV[2] ~= '' then
    ops[#ops + 1] = {'m:' .. ARGV[2], math.floor(tonumber(ARGV[3]) / 3600), 1}
  end
end
local after = rk_after_article(KEYS[3], 4, 4, tonumber(ARGV[3]), ops)
return rk_reply(r, after, ops)
