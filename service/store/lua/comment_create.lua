-- Create one comment or reply on an article, atomically with its counts and listings.
-- KEYS[1] = the article's comment counter (string)
-- KEYS[2] = comment contents, a hash: seq -> immutable JSON (written as given)
-- KEYS[3] = comment states, a hash: seq -> "status|up|down|replies|featured|created|parent|reader"
-- KEYS[4] = visible top-level comments, a sorted set scored by seq (members zero-padded)
-- KEYS[5] = visible top-level comments, a sorted set scored by hot score
-- KEYS[6] = published replies, a sorted set scored parent * ARGV[9] + seq
-- KEYS[7] = the article's numbers hash ("c" = published comments, replies included)
-- KEYS[8] = duplicate-post guard, a sorted set member -> posted at (unix ms)
-- KEYS[9] = the article's meta hash (a "down" field means taken down)
-- KEYS[10] = the article's comment version, a counter bumped by every comment write
-- KEYS[11] = optional: the reader's Idempotency-Key record, a string
--            "<fingerprint>|<seq>|<status>|<parent>|<created s>" (absent: no key was sent)
-- ARGV[1] = content JSON
-- ARGV[2] = status to create with: "published" or "pending"
-- ARGV[3] = parent seq, or "0" for a top-level comment
-- ARGV[4] = reader id (the author)
-- ARGV[5] = now, unix milliseconds
-- ARGV[6] = duplicate-guard member, or "" to skip the guard
-- ARGV[7] = duplicate window, milliseconds
-- ARGV[8] = hot period, seconds (see hot() in comment_lib.lua)
-- ARGV[9] = reply span (scores of one parent's replies lie in [parent*span, parent*span+span))
-- ARGV[10] = largest seq allowed
-- ARGV[11] = with KEYS[11]: the request's fingerprint (a digest of what was posted)
-- ARGV[12] = with KEYS[11]: seconds the record lives
-- Returns {"ok", seq, parent seq, created s} or {"<refusal>"}: down, duplicate, no_parent,
-- parent_closed, full, key_reused (the key came with another fingerprint); or, for a
-- retry with the same key and fingerprint, {"replay", seq, parent seq, created s, status,
-- content}: what the first post created (nothing is written). A reply to a reply is
-- attached to that reply's top-level parent.

if KEYS[11] then
  local prior = redis.call('GET', KEYS[11])
  if prior then
    local fp, seq, status, parent, created =
      string.match(prior, '^([^|]*)|([^|]*)|([^|]*)|([^|]*)|([^|]*)$')
    if fp ~= ARGV[11] then return {'key_reused'} end
    return {'replay', tonumber(seq), tonumber(parent), tonumber(created), status,
            redis.call('HGET', KEYS[2], seq) or ''}
  end
end

if redis.call('HEXISTS', KEYS[9], 'down') == 1 then return {'down'} end
local now = tonumber(ARGV[5])
local period = tonumber(ARGV[8])
local span = tonumber(ARGV[9])
-- Refusals come before any write: a script that has written once goes on writing even past
-- maxmemory, so its first write must be one Redis may refuse (INCR below) — then a full
-- Redis refuses the whole post (OOM) instead of letting it through.
if ARGV[6] ~= '' then
  local posted = redis.call('ZSCORE', KEYS[8], ARGV[6])
  if posted and tonumber(posted) > now - tonumber(ARGV[7]) then return {'duplicate'} end
end
local parent = tonumber(ARGV[3])
local pst
if parent > 0 then
  local raw = redis.call('HGET', KEYS[3], parent)
  if not raw then return {'no_parent'} end
  pst = parse(raw)
  if pst.parent > 0 then
    parent = pst.parent
    raw = redis.call('HGET', KEYS[3], parent)
    if not raw then return {'no_parent'} end
    pst = parse(raw)
  end
  if pst.status ~= STATUS.PUBLISHED then return {'parent_closed'} end
end
local seq = redis.call('INCR', KEYS[1])
if seq > tonumber(ARGV[10]) then
  redis.call('DECR', KEYS[1])
  return {'full'}
end
local created = math.floor(now / 1000)
local st = {status = ARGV[2], up = 0, down = 0, replies = 0, featured = 0, created = created,
            parent = parent, reader = ARGV[4]}
redis.call('HSET', KEYS[2], seq, ARGV[1])
redis.call('HSET', KEYS[3], seq, encode(st))
if st.status == STATUS.PUBLISHED then
  redis.call('HINCRBY', KEYS[7], 'c', 1)
  if parent > 0 then
    pst.replies = pst.replies + 1
    redis.call('HSET', KEYS[3], parent, encode(pst))
    redis.call('ZADD', KEYS[6], string.format('%.0f', parent * span + seq), pad(seq))
    refresh_top(parent, pst, period, KEYS[4], KEYS[5])
  else
    refresh_top(seq, st, period, KEYS[4], KEYS[5])
  end
end
if ARGV[6] ~= '' then
  redis.call('ZREMRANGEBYSCORE', KEYS[8], '-inf', string.format('%.0f', now - tonumber(ARGV[7])))
  redis.call('ZADD', KEYS[8], string.format('%.0f', now), ARGV[6])
  redis.call('PEXPIRE', KEYS[8], ARGV[7])
end
if KEYS[11] then
  redis.call('SET', KEYS[11], table.concat({ARGV[11], seq, st.status, parent, created}, '|'),
             'EX', ARGV[12])
end
redis.call('INCR', KEYS[10])
return {'ok', seq, parent, created}
