-- Apply one ranking scope's pending deltas (rolling it first if an hour passed): what a
-- write that claimed the apply runs next. Composed from the constants prelude +
-- rank_lib.lua + this file.
-- KEYS = one scope, see rank_lib.lua
-- ARGV[1] = now (unix seconds), ARGV[2] = hot half-life hours, ARGV[3] = mood count,
-- ARGV[4 ...] = the site's moods.
-- Returns the number of pending deltas applied.
local moods = rk_moods(3)
local hl = tonumber(ARGV[2])
local s = rk_scope(1, moods)
local before = redis.call('HLEN', s.pd)
rk_roll(s, math.floor(tonumber(ARGV[1]) / RK_HOUR), hl)
return before
