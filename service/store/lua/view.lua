-- Count one page view of an article, at most once per visitor and article per dedupe slot.
-- KEYS[1] = the article's numbers, a hash: "pv" -> page views, "uv" -> cached unique estimate
-- KEYS[2] = the article's HyperLogLog of visitors
-- KEYS[3] = this slot's view dedupe set of the article (members: visitor ids)
-- ARGV[1] = visitor id (reader id, or a keyed hash of the client address)
-- ARGV[2] = seconds the dedupe set lives (the slot length plus a margin)
-- Returns {pv, uv, counted 0/1}. The HLL estimate is copied into the numbers hash so that
-- summaries read plain hashes (PFCOUNT cannot go in a Redis Cluster pipeline).
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
return {pv, uv, counted}
