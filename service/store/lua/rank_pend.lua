-- Fold outbox entries of one article into one ranking scope's pending deltas, each at most
-- once, and claim the scope's apply if no write claimed it this second. What a write (or
-- `xinqing rankings sweep`) runs for a scope the article's own script could not carry
-- (Redis Cluster: another slot; a channel guess that missed); rank_write.lua describes the
-- outbox. Composed from the constants prelude + rank_write.lua + this file.
-- KEYS[1] = the scope's state hash, KEYS[2] = its pending deltas (rank_lib.lua),
-- KEYS[3] = its seen hash: article -> the highest outbox sequence number folded here,
-- KEYS[4] = the article's outbox, passed only where one script may touch both slots (one
--           node, Sentinel): then an entry is folded as the outbox holds it now, if it
--           still does and is this scope's, and deleted in the same script (an outbox left
--           with only its counter goes too, so numbers restart: an entry passed is only a
--           field name to look up), and the seen hash is not used.
-- ARGV[1] = now (unix seconds), ARGV[2] = article id, ARGV[3] = the scope's channel ("" the
-- site), then per entry, in ascending sequence order: its field, its sequence number and
-- its ops ("<code> <hour> <delta> ...").
-- Without KEYS[4]: every entry of the article's outbox for this scope up to the last one
-- passed is passed (the outbox keeps an entry until a scope has folded it), so an entry at
-- or below the seen mark is one folded before — by a retry after a lost reply, or by
-- another worker that read the same outbox — and is skipped; the caller deletes the
-- entries from the outbox afterwards (the article's slot).
-- Returns {folded entries, 1 if this call claimed the apply (the caller runs
-- rank_settle.lua) else 0}.
local article, ob = ARGV[2], KEYS[4]
local seen = 0
if not ob then seen = tonumber(redis.call('HGET', KEYS[3], article) or '0') end
local ops, last, folded = {}, seen, 0
for i = 4, #ARGV, 3 do
  local field, seq, text = ARGV[i], tonumber(ARGV[i + 1]), nil
  if ob then
    local stored = redis.call('HGET', ob, field)
    if stored and string.sub(field, 1, 1) == 'c' then
      local sep = string.find(stored, '|', 1, true)
      if string.sub(stored, 1, sep - 1) == ARGV[3] then
        text = string.sub(stored, sep + 1)
      end
    elseif stored and ARGV[3] == '' then
      text = stored
    end
    if text then redis.call('HDEL', ob, field) end
  elseif seq > last then
    text = ARGV[i + 2]
  end
  if text then
    for code, hour, delta in string.gmatch(text, '(%S+) (%S+) (%S+)') do
      ops[#ops + 1] = {code, tonumber(hour), tonumber(delta)}
    end
    if seq > last then last = seq end
    folded = folded + 1
  end
end
if ob and redis.call('HLEN', ob) == 1 then redis.call('DEL', ob) end  -- only "n" is left
if folded == 0 then return {0, 0} end
if not ob then redis.call('HSET', KEYS[3], article, last) end
return {folded, rk_pend(KEYS[1], KEYS[2], article, ops, tonumber(ARGV[1]))}
