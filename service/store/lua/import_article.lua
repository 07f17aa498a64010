-- Make one article exactly what an export says (`xinqing import`), atomically: readers see
-- the article before or after, never half-written, and importing twice changes nothing.
-- Composed from the comment constants + comment_lib.lua + this file.
-- KEYS[1 .. m] = the article's keys, each replaced by its section of ARGV (in order)
-- KEYS[m+1] = the article's comment version (labels cached listings; see below)
-- KEYS[m+2] = comment states (one of the sections), KEYS[m+3] = visible top-level comments
--   by seq, KEYS[m+4] = the same by hot score, KEYS[m+5] = published replies: the listings
--   are derived from the restored states here, by the rules the comment scripts keep
-- ARGV[1] = the comment version in the file, or "" for none
-- ARGV[2] = m, the number of sections
-- ARGV[3] = hot period (seconds), ARGV[4] = reply span
-- ARGV[5 ...] = one section per KEYS[1 .. m]: type ("h" hash, "z" sorted set, "s" set,
--   "v" string, "-" delete only), seconds to live (0: no expiry), item count, then the
--   items (hash: field, value; sorted set: score, member; set: member; string: the value)
-- The comment version becomes the file's, unless the store holds another one: then it
-- moves past both, so no cached rendering of other data can pass as current.
-- Returns 1.
local function put(key, kind, items, i, n)
  local width = (kind == 'h' or kind == 'z') and 2 or 1
  local last = i + n * width - 1
  for j = i, last, 1000 * width do
    local upto = math.min(j + 1000 * width - 1, last)
    if kind == 'h' then
      redis.call('HSET', key, unpack(items, j, upto))
    elseif kind == 'z' then
      redis.call('ZADD', key, unpack(items, j, upto))
    elseif kind == 's' then
      redis.call('SADD', key, unpack(items, j, upto))
    end
  end
  return last + 1
end

local m = tonumber(ARGV[2])
local i = 5
for k = 1, m do
  local kind, ttl, n = ARGV[i], tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2])
  i = i + 3
  redis.call('DEL', KEYS[k])
  if n > 0 then
    if kind == 'v' then
      redis.call('SET', KEYS[k], ARGV[i])
      i = i + 1
    else
      i = put(KEYS[k], kind, ARGV, i, n)
    end
    if ttl > 0 then redis.call('EXPIRE', KEYS[k], ttl) end
  end
end

-- The listings: a top-level comment is listed while published or with published replies
-- (refresh_top), a published reply under its parent's score range.
local period, span = tonumber(ARGV[3]), tonumber(ARGV[4])
local states, by_seq, by_hot, replies = KEYS[m + 2], KEYS[m + 3], KEYS[m + 4], KEYS[m + 5]
redis.call('DEL', by_seq, by_hot, replies)
local all = redis.call('HGETALL', states)
for j = 1, #all, 2 do
  local seq, st = tonumber(all[j]), parse(all[j + 1])
  if st.parent == 0 then
    refresh_top(seq, st, period, by_seq, by_hot)
  elseif st.status == STATUS.PUBLISHED then
    redis.call('ZADD', replies, string.format('%.0f', st.parent * span + seq), pad(seq))
  end
end

local version = KEYS[m + 1]
local held = redis.call('GET', version)
local wanted = ARGV[1]
if held and held ~= wanted then
  redis.call('SET', version, math.max(tonumber(held), tonumber(wanted) or 0) + 1)
elseif not held and wanted ~= '' then
  redis.call('SET', version, wanted)
end
return 1
