-- Take an article down: mark its meta hash, once, and hand back what the rankings must
-- subtract (its vote records and activity hash, as they stand at this instant).
-- KEYS[1] = the article's meta hash, KEYS[2] = its vote records, KEYS[3] = its activity hash
-- ARGV[1] = now (unix seconds)
-- Returns {1 if it was taken down now (0: already down), channel, votes flat, activity flat}.
-- An article whose activity is held out of the rankings (a "hold" mark: the site requires
-- meta and none was synced, rank_lib.lua) is in no ranking: nothing to subtract.
if redis.call('HSETNX', KEYS[1], 'down', ARGV[1]) == 0 then
  return {0, '', {}, {}}
end
if redis.call('HEXISTS', KEYS[1], 'hold') == 1 then
  return {1, '', {}, {}}
end
local channel = redis.call('HGET', KEYS[1], 'channel') or ''
return {1, channel, redis.call('HGETALL', KEYS[2]), redis.call('HGETALL', KEYS[3])}
