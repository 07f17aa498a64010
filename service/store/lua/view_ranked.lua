-- Count one page view of an article, at most once per visitor and article per dedupe slot;
-- record its hour for the article and follow it in the rankings.
-- Composed from the constants prelude + rank_write.lua + this file.
-- KEYS[1] = the article's numbers, a hash: "pv" -> page views, "uv" -> cached unique estimate
-- KEYS[2] = the article's HyperLogLog of visitors
-- KEYS[3] = this slot's view dedupe set of the article (members: visitor ids)
-- KEYS[4] = the article's activity hash ("v<hour>" -> views), KEYS[5] = its meta hash
-- KEYS[6] = its ranking outbox (rank_write.lua)
-- KEYS[7 ...] = state and pending keys of 0, 1 or 2 ranking scopes, see rank_lib.lua
-- ARGV[1] = visitor id (reader id, or a keyed hash of the client address)
-- ARGV[2] = seconds the dedupe set lives (the slot length plus a margin), ARGV[3] = now
-- ARGV[4 ...] = the ranking block of rk_after_article
-- Returns {pv, uv, counted 0/1, channel, down, channel folded, site claimed,
--          channel claimed, outbox, ops}. The HLL estimate is
-- copied into the numbers hash so that summaries read plain hashes (PFCOUNT cannot go in a
-- Redis Cluster pipeline).
local counted = redis.call('SADD', KEYS[3], ARGV[1])
local pv
if counted == 1 then
  redis.call('EXPIRE', KEYS[3], ARGV[2])
  pv = redis.call('HINCRBY', KEYS[1], 'pv', 1)
else
  pv = tonumber(redis.call('HGET', KEYS[1], 'pv') or '0')
end
local uv
if redis.call('PFADD', KEYS[2], ARGV[1]) == 1 then
  uv = redis.call('PFCOUNT', KEYS[2])
  redis.call('HSET', KEYS[1], 'uv', uv)
else
  uv = tonumber(redis.call('HGET', KEYS[1], 'uv') or '0')
end
local ops = {}
if counted == 1 then
  local h = math.floor(tonumber(ARGV[3]) / RK_HOUR)
  redis.call('HINCRBY', KEYS[4], 'v' .. h, 1)
  ops[1] = {'v', h, 1}
end
local after = rk_after_article(KEYS[5], KEYS[6], 7, 4, tonumber(ARGV[3]), ops)
return rk_reply({pv, uv, counted}, after, ops)
