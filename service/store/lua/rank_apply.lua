-- Apply base activity of one article to one ranking scope (rolling it first).
-- Composed from rank_lib.lua + this file. Used where the article's write could not carry the
-- ranking update in the same script (Redis Cluster, a channel guess that missed), and by
-- channel moves, takedowns and rebuilds.
-- KEYS = one scope, see rank_lib.lua
-- ARGV[1] = now (unix seconds), ARGV[2] = hot half-life hours, ARGV[3] = article id,
-- ARGV[4] = mood count, ARGV[5 ...] = the site's moods, then the op count and the ops flat
-- ({code, hour, delta}...).
-- Returns the number of ops applied.
local moods, i = rk_moods(4)
local n = tonumber(ARGV[i])
local ops = rk_unflat(i + 1, n)
local hl = tonumber(ARGV[2])
local s = rk_scope(1, moods)
rk_apply(s, ARGV[3], ops, hl, rk_roll(s, math.floor(tonumber(ARGV[1]) / RK_HOUR), hl))
return n
