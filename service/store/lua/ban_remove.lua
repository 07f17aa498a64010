-- Lift a ban and, if there was one, record the decision in the site's history (one slot).
-- KEYS[1] = the site's bans hash (author ref -> JSON)
-- KEYS[2] = the site's moderation history stream
-- ARGV[1] = author ref
-- ARGV[2] = history cap (approximate MAXLEN), ARGV[3..] = the entry's fields, flat; none: no entry
-- Returns 1 if a ban was lifted, 0 if there was none (and nothing is recorded).
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return 0 end
if #ARGV > 2 then
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', unpack(ARGV, 3))
end
return 1
