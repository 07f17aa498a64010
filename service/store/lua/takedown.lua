-- Take an article down: mark its meta hash, once, and hand back what the rankings must
-- subtract (its vote records and activity hash, as they stand at this instant).
-- KEYS[1] = the article's meta hash, KEYS[2] = its vote records, KEYS[3] = its activity hash
-- ARGV[1] = now (unix seconds)
-- Returns {1 if it was taken down now (0: already down), channel, votes flat, activity flat}.
if redis.call('HSETNX', KEYS[1], 'down', ARGV[1]) == 0 then
  return {0, '', {}, {}}
end
local channel = redis.call('HGET', KEYS[1], 'channel') or ''
return {1, channel, redis.call('HGETALL', KEYS[2]), redis.call('HGETALL', KEYS[3])}
