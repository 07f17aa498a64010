-- Count one share of an article on one channel, at most once per reader, channel and hour.
-- KEYS[1] = the article's numbers, a hash: "s:<channel>" -> count
-- KEYS[2] = this hour's share dedupe set of the article (members "<reader>|<channel>")
-- ARGV[1] = channel key
-- ARGV[2] = dedupe member, or "" for a tokenless share (held in check by rate limits only)
-- ARGV[3] = seconds the dedupe set lives (a little over an hour)
-- Returns {numbers as a flat HGETALL, counted 0/1}.
local counted = 1
if ARGV[2] ~= '' then
  counted = redis.call('SADD', KEYS[2], ARGV[2])
  if counted == 1 then redis.call('EXPIRE', KEYS[2], ARGV[3]) end
end
if counted == 1 then
  redis.call('HINCRBY', KEYS[1], 's:' .. ARGV[1], 1)
end
return {redis.call('HGETALL', KEYS[1]), counted}
