-- What a cached rendering of an article's comment listings must match to be served.
-- KEYS[1] = the article's comment version, a counter bumped by every comment write
-- KEYS[2] = the article's meta hash (a "down" field means taken down)
-- Returns {version, taken down 0/1}.
return {redis.call('GET', KEYS[1]) or '0', redis.call('HEXISTS', KEYS[2], 'down')}
