-- Count one share of an article on one channel, at most once per reader, channel and hour;
-- record its hour for the article and follow it in the rankings.
-- Composed from the constants prelude + rank_write.lua + this file.
-- KEYS[1] = the article's numbers, a hash: "s:<channel>" -> count
-- KEYS[2] = this hour's share dedupe set of the article (members "<reader>|<channel>")
-- KEYS[3] = the article's activity hash ("s<hour>" -> shares), KEYS[4] = its meta hash
-- KEYS[5] = its ranking outbox (rank_write.lua)
-- KEYS[6 ...] = state and pending keys of 0, 1 or 2 ranking scopes, see rank_lib.lua
-- ARGV[1] = channel key
-- ARGV[2] = dedupe member, or "" for a tokenless share (held in check by rate limits only)
-- ARGV[3] = seconds the dedupe set lives (a little over an hour), ARGV[4] = now
-- ARGV[5 ...] = the ranking block of rk_after_article
-- Returns {numbers as a flat HGETALL, counted 0/1, channel, down, channel folded, site claimed,
--          channel claimed, outbox, ops}.
local counted = 1
if ARGV[2] ~= '' then
  counted = redis.call('SADD', KEYS[2], ARGV[2])
  if counted == 1 then redis.call('EXPIRE', KEYS[2], ARGV[3]) end
end
local ops = {}
if counted == 1 then
  redis.call('HINCRBY', KEYS[1], 's:' .. ARGV[1], 1)
  local h = math.floor(tonumber(ARGV[4]) / RK_HOUR)
  redis.call('HINCRBY', KEYS[3], 's' .. h, 1)
  ops[1] = {'s', h, 1}
end
local after = rk_after_article(KEYS[4], KEYS[5], 6, 5, tonumber(ARGV[4]), ops)
return rk_reply({redis.call('HGETALL', KEYS[1]), counted}, after, ops)
