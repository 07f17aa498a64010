-- A later page of 推荐阅读: entries of a feed snapshot (atomically with its length, so an
-- expired snapshot is told apart from its end).
-- KEYS[1] = the snapshot (a list of article ids)
-- ARGV[1] = offset (0-based), ARGV[2] = entries to return
-- Returns {the snapshot's length (0: expired), the entries from the offset}.
local first = tonumber(ARGV[1])
return {redis.call('LLEN', KEYS[1]),
        redis.call('LRANGE', KEYS[1], first, first + tonumber(ARGV[2]) - 1)}
