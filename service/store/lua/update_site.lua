-- Change some settings of an existing site; never creates a half-made site.
-- KEYS[1] = the site's settings hash (field -> JSON value)
-- ARGV    = field1, value1, field2, value2, ...
-- Returns the whole hash (flat HGETALL) after the change, or false if the site is unknown.
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
redis.call('HSET', KEYS[1], unpack(ARGV))
return redis.call('HGETALL', KEYS[1])
