-- Move one comment to another status (moderation, deletion) or (un)feature it, atomically
-- with the published count, the parent's reply count and the listings.
-- KEYS[1] = comment states, a hash: seq -> "status|up|down|replies|featured|created|parent|reader"
-- KEYS[2] = visible top-level comments, a sorted set scored by seq
-- KEYS[3] = visible top-level comments, a sorted set scored by hot score
-- KEYS[4] = published replies, a sorted set scored parent * ARGV[7] + seq
-- KEYS[5] = the article's numbers hash ("c" = published comments, replies included)
-- KEYS[6] = the article's comment version, a counter bumped by every comment write
-- ARGV[1] = comment seq
-- ARGV[2] = statuses the comment may be in, comma-separated (the state machine's table)
-- ARGV[3] = status to move to, or "" to keep it
-- ARGV[4] = "set" / "clear" the featured flag (requires it clear / set), or "" to keep it
-- ARGV[5] = reader id that must be the author, or "" (an editor acts)
-- ARGV[6] = hot period, seconds
-- ARGV[7] = reply span
-- Returns {"ok", old status, new status, published delta, created s, parent seq} or
-- {"missing"}, {"forbidden"}, {"conflict", status, featured 0/1}.
-- A top-level comment stays listed while it is published or has published replies (then
-- it is shown as a placeholder); leaving "published" always clears "featured".

local seq = tonumber(ARGV[1])
local raw = redis.call('HGET', KEYS[1], seq)
if not raw then return {'missing'} end
local st = parse(raw)
if ARGV[5] ~= '' and st.reader ~= ARGV[5] then return {'forbidden'} end
local allowed = false
for s in string.gmatch(ARGV[2], '[^,]+') do
  if s == st.status then allowed = true end
end
if ARGV[4] == FEATURED.SET and st.featured == 1 then allowed = false end
if ARGV[4] == FEATURED.CLEAR and st.featured == 0 then allowed = false end
if not allowed then return {'conflict', st.status, st.featured} end

local old = st.status
local new = old
if ARGV[3] ~= '' then new = ARGV[3] end
local delta = 0
if new == STATUS.PUBLISHED then delta = delta + 1 end
if old == STATUS.PUBLISHED then delta = delta - 1 end
st.status = new
if ARGV[4] == FEATURED.SET then st.featured = 1 elseif ARGV[4] == FEATURED.CLEAR then st.featured = 0 end
if new ~= STATUS.PUBLISHED then st.featured = 0 end
redis.call('HSET', KEYS[1], seq, encode(st))
follow_status(seq, st, delta, tonumber(ARGV[6]), tonumber(ARGV[7]),
              {states = KEYS[1], by_seq = KEYS[2], by_hot = KEYS[3], replies = KEYS[4],
               numbers = KEYS[5]})
redis.call('INCR', KEYS[6])
return {'ok', old, new, delta, st.created, st.parent}
