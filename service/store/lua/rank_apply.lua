-- Apply base activity of one article to one ranking scope now (rolling it first, and
-- applying whatever was pending with it). Used by channel moves, takedowns, the first
-- sync of a held article's meta, legacy counts and rebuilds: rare writes that want the
-- rankings to show them at once. Composed from the constants prelude + rank_lib.lua +
-- rank_write.lua + this file.
-- KEYS = one scope, see rank_lib.lua
-- ARGV[1] = now (unix seconds), ARGV[2] = hot half-life hours, ARGV[3] = article id,
-- ARGV[4] = mood count, ARGV[5 ...] = the site's moods, then the op count and the ops flat
-- ({code, hour, delta}...).
-- Returns the number of ops applied.
local moods, i = rk_moods(4)
local n = tonumber(ARGV[i])
local hl = tonumber(ARGV[2])
local s = rk_scope(1, moods)
rk_fold(s.pd, ARGV[3], rk_unflat(i + 1, n))
rk_roll(s, math.floor(tonumber(ARGV[1]) / RK_HOUR), hl)
return n
