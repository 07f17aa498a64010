-- Shared helpers of the comment scripts, composed in front of each of them by
-- service/store/comments.py (one copy of the state format and the hot score in Lua), after
-- the constants tables STATUS, VOTE and FEATURED generated from the domain's enums
-- (service/domain/comment_model.py): scripts name STATUS.PUBLISHED, never the string.
-- A comment's state: "status|up|down|replies|featured|created s|parent seq|reader id".
local function parse(raw)
  local s, up, down, rep, feat, created, parent, reader =
    string.match(raw, '^([^|]*)|([^|]*)|([^|]*)|([^|]*)|([^|]*)|([^|]*)|([^|]*)|(.*)$')
  return {status = s, up = tonumber(up), down = tonumber(down), replies = tonumber(rep),
          featured = tonumber(feat), created = tonumber(created), parent = tonumber(parent),
          reader = reader}
end
local function encode(st)
  return table.concat({st.status, st.up, st.down, st.replies, st.featured, st.created,
                       st.parent, st.reader}, '|')
end
local function pad(seq) return string.format('%010d', seq) end
local function hot(st, period)
  local net = st.up - st.down
  local sign = 0
  if net > 0 then sign = 1 elseif net < 0 then sign = -1 end
  return string.format('%.17g', sign * math.log10(1 + math.abs(net)) + st.created / period)
end
-- Keep a top-level comment listed (by seq and by hot score) while it is published or has
-- published replies (then it shows as a placeholder); otherwise take it out of both.
local function refresh_top(seq, st, period, by_seq, by_hot)
  local m = pad(seq)
  if st.status == STATUS.PUBLISHED or st.replies > 0 then
    redis.call('ZADD', by_seq, seq, m)
    redis.call('ZADD', by_hot, hot(st, period), m)
  else
    redis.call('ZREM', by_seq, m)
    redis.call('ZREM', by_hot, m)
  end
end

-- After a comment's state `st` (already stored) changed status by `delta` published (+1, -1
-- or 0): keep the published count, its parent's reply count and the listings in step.
-- k = {states, by_seq, by_hot, replies, numbers}; span = the reply span.
local function follow_status(seq, st, delta, period, span, k)
  if delta ~= 0 then redis.call('HINCRBY', k.numbers, 'c', delta) end
  if st.parent > 0 then
    if delta ~= 0 then
      local praw = redis.call('HGET', k.states, st.parent)
      if praw then
        local pst = parse(praw)
        pst.replies = math.max(pst.replies + delta, 0)
        redis.call('HSET', k.states, st.parent, encode(pst))
        refresh_top(st.parent, pst, period, k.by_seq, k.by_hot)
      end
      if delta > 0 then
        redis.call('ZADD', k.replies, string.format('%.0f', st.parent * span + seq), pad(seq))
      else
        redis.call('ZREM', k.replies, pad(seq))
      end
    end
  else
    refresh_top(seq, st, period, k.by_seq, k.by_hot)
  end
end
