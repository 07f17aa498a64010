-- Read an article's ranking outbox (rank_write.lua) for a fold that no write of the article
-- carries (a worker's retry, `xinqing rankings sweep`), as a write: with
-- XINQING_WAIT_REPLICAS the WAIT behind this script then covers every write before it on
-- the article's master, so no entry is folded whose write a failover could still take
-- along (a plain read could see a write whose own WAIT is still pending).
-- KEYS[1] = the article's outbox
-- Returns the outbox as a flat HGETALL.
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('HINCRBY', KEYS[1], 'n', 0)   -- a write in the replication stream, no change
end
return redis.call('HGETALL', KEYS[1])
