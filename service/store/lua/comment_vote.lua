-- Set, switch or retract one reader's 顶/踩 on one comment, atomically.
-- KEYS[1] = comment states, a hash: seq -> "status|up|down|replies|featured|created|parent|reader"
-- KEYS[2] = standing votes, a hash: "<seq>:<reader>" -> "up" | "down"
-- KEYS[3] = visible top-level comments by hot score (re-scored when the votes move)
-- KEYS[4] = the article's meta hash (a "down" field means taken down)
-- KEYS[5] = the article's comment version, a counter bumped by every comment write
-- ARGV[1] = comment seq
-- ARGV[2] = reader id
-- ARGV[3] = "up", "down", or "" to retract
-- ARGV[4] = hot period, seconds
-- Returns {"ok", up, down, standing vote or "", changed 0/1} or {"missing"} or
-- {"closed", status}. Only published comments take votes; the same vote twice changes nothing.

if redis.call('HEXISTS', KEYS[4], 'down') == 1 then return {'missing'} end
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return {'missing'} end
local st = parse(raw)
if st.status ~= STATUS.PUBLISHED then return {'closed', st.status} end
local field = ARGV[1] .. ':' .. ARGV[2]
local old = redis.call('HGET', KEYS[2], field) or ''
local new = ARGV[3]
if old == new then return {'ok', st.up, st.down, old, 0} end
if old == VOTE.UP then st.up = st.up - 1 elseif old == VOTE.DOWN then st.down = st.down - 1 end
if new == VOTE.UP then st.up = st.up + 1 elseif new == VOTE.DOWN then st.down = st.down + 1 end
if new == '' then
  redis.call('HDEL', KEYS[2], field)
else
  redis.call('HSET', KEYS[2], field, new)
end
redis.call('HSET', KEYS[1], ARGV[1], encode(st))
local member = string.format('%010d', tonumber(ARGV[1]))
if redis.call('ZSCORE', KEYS[3], member) then
  redis.call('ZADD', KEYS[3], hot(st, tonumber(ARGV[4])), member)
end
redis.call('INCR', KEYS[5])
return {'ok', st.up, st.down, new, 1}
