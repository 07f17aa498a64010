-- Record that an article's published comments created in one hour changed by `delta`
-- (a comment published, or unpublished), and follow it in the rankings.
-- Composed from the constants prelude + rank_write.lua + this file.
-- KEYS[1] = the article's activity hash ("c<hour>" -> comments), KEYS[2] = its meta hash
-- KEYS[3] = its ranking outbox (rank_write.lua)
-- KEYS[4 ...] = state and pending keys of 0, 1 or 2 ranking scopes, see rank_lib.lua
-- ARGV[1] = the comment's creation hour (unix seconds // 3600), ARGV[2] = delta (+1/-1)
-- ARGV[3] = now, ARGV[4 ...] = the ranking block of rk_after_article
-- Returns {count of that hour after, channel, down, channel folded, site claimed,
--          channel claimed, outbox, ops}.
local h, d = tonumber(ARGV[1]), tonumber(ARGV[2])
local field = 'c' .. ARGV[1]
local n = redis.call('HINCRBY', KEYS[1], field, d)
if n == 0 then redis.call('HDEL', KEYS[1], field) end
local ops = {{'c', h, d}}
local after = rk_after_article(KEYS[2], KEYS[3], 4, 4, tonumber(ARGV[3]), ops)
return rk_reply({n}, after, ops)
