-- Count one share (share.lua), record its hour for the article, follow it in the rankings.
-- Composed from rank_lib.lua + share.lua (wrapped as rk_base) + this file.
-- KEYS[1] = the article's numbers, KEYS[2] = this hour's share dedupe set (as share.lua)
-- KEYS[3] = the article's activity hash ("s<hour>" -> shares), KEYS[4] = its meta hash
-- KEYS[5 ...] = 0, 1 or 2 ranking scopes, see rank_lib.lua
-- ARGV[1..3] = as share.lua (channel, dedupe member, dedupe ttl), ARGV[4] = now
-- ARGV[5 ...] = the ranking block of rk_after_article
-- Returns {numbers, counted, channel, down, channel applied, ops}.
local r = rk_base({KEYS[1], KEYS[2]}, {ARGV[1], ARGV[2], ARGV[3]})
local ops = {}
if r[2] == 1 then
  local h = math.floor(tonumber(ARGV[4]) / 3600)
  redis.call('HINCRBY', KEYS[3], 's' .. h, 1)
  ops[1] = {'s', h, 1}
end
local after = rk_after_article(KEYS[4], 5, 5, tonumber(ARGV[4]), ops)
return rk_reply(r, after, ops)
