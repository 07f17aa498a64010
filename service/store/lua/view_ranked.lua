-- Count one page view (view.lua), record its hour for the article, follow it in the rankings.
-- Composed from rank_lib.lua + view.lua (wrapped as rk_base) + this file.
-- KEYS[1..3] = as view.lua (numbers, visitor HyperLogLog, this slot's dedupe set)
-- KEYS[4] = the article's activity hash ("v<hour>" -> views), KEYS[5] = its meta hash
-- KEYS[6 ...] = 0, 1 or 2 ranking scopes, see rank_lib.lua
-- ARGV[1..2] = as view.lua (visitor id, dedupe ttl), ARGV[3] = now
-- ARGV[4 ...] = the ranking block of rk_after_article
-- Returns {pv, uv, counted, channel, down, channel applied, ops}.
local r = rk_base({KEYS[1], KEYS[2], KEYS[3]}, {ARGV[1], ARGV[2]})
local ops = {}
if r[3] == 1 then
  local h = math.floor(tonumber(ARGV[3]) / 3600)
  redis.call('HINCRBY', KEYS[4], 'v' .. h, 1)
  ops[1] = {'v', h, 1}
end
local after = rk_after_article(KEYS[5], 6, 4, tonumber(ARGV[3]), ops)
return rk_reply(r, after, ops)
