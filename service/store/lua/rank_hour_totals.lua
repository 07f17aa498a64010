-- Read hour totals of one ranking scope exactly, without applying anything: the applied
-- counts and the pending deltas in one atomic read (an apply between two reads would move
-- deltas from one to the other). Composed like the other ranking scripts, though it uses
-- none of the libraries.
-- KEYS[1] = the scope's hour counts, KEYS[2] = its pending deltas (rank_lib.lua)
-- ARGV = hour-total fields "<hour>|<code>|"
-- Returns {the fields' counts (nil where none), the pending deltas flat}.
return {redis.call('HMGET', KEYS[1], unpack(ARGV)), redis.call('HGETALL', KEYS[2])}
