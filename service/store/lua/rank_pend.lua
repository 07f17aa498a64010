-- Fold outbox entries of one article into one ranking scope's pending deltas, each at most
-- once, and claim the scope's apply if no write claimed it this second. What a write (or
-- `xinqing rankings sweep`) runs for a scope the article's own script could not carry
-- (Redis Cluster: another slot; a channel guess that missed); rank_write.lua describes the
-- outbox. Composed from the constants prelude + rank_write.lua + this file.
-- KEYS[1] = the scope's state hash, KEYS[2] = its pending deltas (rank_lib.lua),
-- KEYS[3] = its seen hash: article -> the highest outbox sequence number folded here
-- ARGV[1] = now (unix seconds), ARGV[2] = article id, then per entry, in ascending
-- sequence order: its sequence number and its ops ("<code> <hour> <delta> ...").
-- Every entry of the article's outbox for this scope up to the last one passed is passed
-- (the outbox keeps an entry until a scope has folded it), so an entry at or below the
-- seen mark is one folded before: by a retry after a lost reply, or by another worker that
-- read the same outbox.
-- Returns {folded entries, 1 if this call claimed the apply (the caller runs
-- rank_settle.lua) else 0}.
local article = ARGV[2]
local seen = tonumber(redis.call('HGET', KEYS[3], article) or '0')
local ops, last, folded = {}, seen, 0
for i = 3, #ARGV, 2 do
  local seq = tonumber(ARGV[i])
  if seq > last then
    local words = {}
    for w in string.gmatch(ARGV[i + 1], '%S+') do words[#words + 1] = w end
    for j = 1, #words, 3 do
      ops[#ops + 1] = {words[j], tonumber(words[j + 1]), tonumber(words[j + 2])}
    end
    last = seq
    folded = folded + 1
  end
end
if folded == 0 then return {0, 0} end
redis.call('HSET', KEYS[3], article, last)
return {folded, rk_pend(KEYS[1], KEYS[2], article, ops, tonumber(ARGV[1]))}
