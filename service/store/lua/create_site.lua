-- Create a site's settings hash unless the site exists.
-- KEYS[1] = the site's settings hash (field -> JSON value)
-- ARGV    = field1, value1, field2, value2, ...
-- Returns 1 if created, 0 if the site already existed.
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV))
return 1
