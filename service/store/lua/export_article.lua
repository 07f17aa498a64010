-- Read everything one article holds, atomically (one script on the article's hash tag), for
-- `xinqing export`: a write landing meanwhile is either wholly in the snapshot or not at all.
-- KEYS[1] = vote records (hash), KEYS[2] = numbers (hash), KEYS[3] = meta (hash),
-- KEYS[4] = activity (hash), KEYS[5] = visitors' HyperLogLog, KEYS[6] = comment counter,
-- KEYS[7] = comment version, KEYS[8] = comment contents (hash), KEYS[9] = comment states
-- (hash), KEYS[10] = comment votes (hash), KEYS[11] = this hour's share dedupe set,
-- KEYS[12] = this slot's view dedupe set
-- Returns {votes, numbers, meta, activity, HLL as hex or "" (none) or false (not readable as
-- a string: an embedded store keeps HLLs its own way), comment counter or "", comment version
-- or "", contents, states, comment votes, share dedupe members, view dedupe members}, every
-- hash flat.
local hll = ''
if redis.call('EXISTS', KEYS[5]) == 1 then
  local ok, raw = pcall(redis.call, 'GET', KEYS[5])
  if ok and type(raw) == 'string' then
    hll = (string.gsub(raw, '.', function(c) return string.format('%02x', string.byte(c)) end))
  else
    hll = false
  end
end
return {redis.call('HGETALL', KEYS[1]), redis.call('HGETALL', KEYS[2]),
        redis.call('HGETALL', KEYS[3]), redis.call('HGETALL', KEYS[4]), hll,
        redis.call('GET', KEYS[6]) or '', redis.call('GET', KEYS[7]) or '',
        redis.call('HGETALL', KEYS[8]), redis.call('HGETALL', KEYS[9]),
        redis.call('HGETALL', KEYS[10]), redis.call('SMEMBERS', KEYS[11]),
        redis.call('SMEMBERS', KEYS[12])}
