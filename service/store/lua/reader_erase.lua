-- Erase one reader's comments and comment votes on one article, atomically with every count
-- and listing they touch (a reader's privacy request; docs/data.md). Composed from
-- comment_lib.lua + this file.
-- KEYS[1] = comment states, a hash: seq -> "status|up|down|replies|featured|created|parent|reader"
-- KEYS[2] = comment contents, a hash: seq -> JSON
-- KEYS[3] = standing comment votes, a hash: "<seq>:<reader>" -> "up" | "down"
-- KEYS[4] = visible top-level comments by seq, KEYS[5] = the same by hot score
-- KEYS[6] = published replies, a sorted set scored parent * ARGV[3] + seq
-- KEYS[7] = the article's numbers hash ("c" = published comments)
-- KEYS[8] = the article's comment version
-- KEYS[9] = the duplicate-post guard, a sorted set "<reader>|<parent>|<digest>" -> ms
-- ARGV[1] = reader id, ARGV[2] = hot period (seconds), ARGV[3] = reply span
-- Each of the reader's comments is deleted as an author's deletion would (a reply leaves its
-- parent's count, a top-level comment with published replies stays as a placeholder), then
-- its text and author name are blanked and its reader forgotten. The reader's 顶/踩 leave
-- the counts of every comment, whatever its status. Running it again changes nothing.
-- Returns {comment votes removed, comments erased, {seq, old status, published delta,
-- created s}...} for the per-site indexes and rankings to follow.
local reader = ARGV[1]
local period, span = tonumber(ARGV[2]), tonumber(ARGV[3])
local changed = false

-- 1. the reader's 顶/踩
local suffix = ':' .. reader
local votes = redis.call('HGETALL', KEYS[3])
local removed = 0
for i = 1, #votes, 2 do
  local field = votes[i]
  if string.sub(field, -#suffix) == suffix then
    local seq = string.sub(field, 1, #field - #suffix)
    redis.call('HDEL', KEYS[3], field)
    removed = removed + 1
    local raw = redis.call('HGET', KEYS[1], seq)
    if raw then
      local st = parse(raw)
      if votes[i + 1] == VOTE.UP then st.up = math.max(st.up - 1, 0) else st.down = math.max(st.down - 1, 0) end
      redis.call('HSET', KEYS[1], seq, encode(st))
      local member = pad(tonumber(seq))
      if redis.call('ZSCORE', KEYS[5], member) then
        redis.call('ZADD', KEYS[5], hot(st, period), member)
      end
    end
  end
end
if removed > 0 then changed = true end

-- 2. the reader's comments
local listings = {states = KEYS[1], by_seq = KEYS[4], by_hot = KEYS[5], replies = KEYS[6],
                  numbers = KEYS[7]}
local out = {}
local states = redis.call('HGETALL', KEYS[1])
for i = 1, #states, 2 do
  local seq = tonumber(states[i])
  local st = parse(redis.call('HGET', KEYS[1], seq))  -- fresh: a reply may have moved it
  if st.reader == reader then
    local old = st.status
    local delta = old == STATUS.PUBLISHED and -1 or 0
    st.status = STATUS.DELETED
    st.featured = 0
    st.reader = ''
    redis.call('HSET', KEYS[1], seq, encode(st))
    follow_status(seq, st, delta, period, span, listings)
    local content = redis.call('HGET', KEYS[2], seq)
    local at = ''
    if content then at = cjson.decode(content)['at'] or '' end
    redis.call('HSET', KEYS[2], seq, cjson.encode({b = '', n = '', at = at}))
    out[#out + 1] = {seq, old, delta, st.created}
    changed = true
  end
end

-- 3. the reader's entries in the duplicate-post guard (they hold a digest of the text)
local prefix = reader .. '|'
for _, member in ipairs(redis.call('ZRANGE', KEYS[9], 0, -1)) do
  if string.sub(member, 1, #prefix) == prefix then redis.call('ZREM', KEYS[9], member) end
end

if changed then redis.call('INCR', KEYS[8]) end
return {removed, #out, out}
