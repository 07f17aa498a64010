-- Replace an article's CMS metadata; say whether its channel changed, with what the
-- rankings need to move it (its vote records and activity hash).
-- KEYS[1] = the article's meta hash, KEYS[2] = its vote records, KEYS[3] = its activity hash
-- ARGV[1] = updated-at (unix seconds), ARGV[2 ...] = field, value pairs; an empty value
-- removes the field. The takedown mark ("down") is kept.
-- Returns {old channel, new channel, down 0/1, votes flat or {}, activity flat or {},
-- released 0/1}: the records when the channel changed on a live article, or when the
-- article's activity was held out of the rankings until its meta came (a "hold" mark,
-- rank_write.lua's rk_after_article): then released is 1, the mark is gone, and the caller
-- ranks the records in full (they were in no scope before).
local old = redis.call('HGET', KEYS[1], 'channel') or ''
for i = 2, #ARGV, 2 do
  if ARGV[i + 1] == '' then
    redis.call('HDEL', KEYS[1], ARGV[i])
  else
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
  end
end
redis.call('HSET', KEYS[1], 'updated_at', ARGV[1])
local new = redis.call('HGET', KEYS[1], 'channel') or ''
local down = redis.call('HEXISTS', KEYS[1], 'down')
if down == 0 and redis.call('HDEL', KEYS[1], 'hold') == 1 then
  return {old, new, down, redis.call('HGETALL', KEYS[2]), redis.call('HGETALL', KEYS[3]), 1}
end
if old ~= new and down == 0 then
  return {old, new, down, redis.call('HGETALL', KEYS[2]), redis.call('HGETALL', KEYS[3]), 0}
end
return {old, new, down, {}, {}, 0}
