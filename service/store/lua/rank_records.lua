-- What a rankings rebuild replays for one article: its vote records, activity and meta,
-- read in one script that also empties its ranking outbox (rank_write.lua) of entries —
-- the records hold what they owed, and the rebuild starts the scopes' seen marks afresh.
-- The sequence counter "n" stays, so later entries are numbered above any seen before.
-- KEYS[1] = vote records, KEYS[2] = activity, KEYS[3] = meta, KEYS[4] = ranking outbox
-- Returns {votes flat, activity flat, meta flat}.
local fields = redis.call('HKEYS', KEYS[4])
for _, f in ipairs(fields) do
  if f ~= 'n' then redis.call('HDEL', KEYS[4], f) end
end
return {redis.call('HGETALL', KEYS[1]), redis.call('HGETALL', KEYS[2]),
        redis.call('HGETALL', KEYS[3])}
