-- Lift a ban (and the network ban that came with it) and, if there was one, record the
-- decision in the site's history (one slot).
-- KEYS[1] = the site's bans hash (author ref -> JSON, network ref -> JSON)
-- KEYS[2] = the site's moderation history stream
-- ARGV[1] = author ref, ARGV[2] = the network ref its ban covers, or ""
-- ARGV[3] = history cap (approximate MAXLEN), ARGV[4..] = the entry's fields, flat; none: no entry
-- Returns 1 if a ban was lifted, 0 if there was none (and nothing is recorded).
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return 0 end
if ARGV[2] ~= '' then redis.call('HDEL', KEYS[1], ARGV[2]) end
if #ARGV > 3 then
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*', unpack(ARGV, 4))
end
return 1
