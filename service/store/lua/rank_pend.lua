-- Fold base activity of one article into one ranking scope's pending deltas, and claim
-- the scope's apply if no write claimed it this second. Used where the article's write
-- could not carry the scope's keys (Redis Cluster: another slot; a channel guess that
-- missed). Composed from the constants prelude + rank_write.lua + this file.
-- KEYS[1] = the scope's state hash, KEYS[2] = its pending deltas (rank_lib.lua)
-- ARGV[1] = now (unix seconds), ARGV[2] = article id, ARGV[3] = op count, then the ops
-- flat ({code, hour, delta}...).
-- Returns 1 if this call claimed the apply (the caller runs rank_settle.lua), else 0.
local ops = rk_unflat(4, tonumber(ARGV[3]))
return rk_pend(KEYS[1], KEYS[2], ARGV[2], ops, tonumber(ARGV[1]))
