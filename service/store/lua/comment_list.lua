-- Read one page of comments (top-level or one parent's replies) in one round trip.
-- KEYS[1] = the sorted set to page (top-level by seq or by hot score, or the replies set)
-- KEYS[2] = comment states, a hash: seq -> "status|up|down|replies|featured|created|parent|reader"
-- KEYS[3] = comment contents, a hash: seq -> JSON
-- KEYS[4] = published replies, a sorted set scored parent * ARGV[10] + seq
-- KEYS[5] = standing votes, a hash: "<seq>:<reader>" -> "up" | "down"
-- KEYS[6] = the article's meta hash (a "down" field means taken down: nothing is listed)
-- KEYS[7] = the article's numbers hash ("c" = published comments)
-- ARGV[1] = "asc" or "desc"
-- ARGV[2] = lowest score of the range, ARGV[3] = highest score of the range
-- ARGV[4] = cursor score ("" for the first page), ARGV[5] = cursor member (zero-padded seq)
-- ARGV[6] = page size
-- ARGV[7] = replies to inline under each item (0 for none)
-- ARGV[8] = reader id whose votes to include, or ""
-- ARGV[9] = "1" to honour a takedown (public listings), "0" not to
-- ARGV[10] = reply span
-- Returns {taken down 0/1, published count, more 0/1, items}; each item is
-- {member, score, state, content, mine, replies}, replies being items without replies.
-- Keyset paging: the page starts strictly after (cursor score, cursor member) in the set's
-- order, so comments added meanwhile never shift a page (no duplicates, no gaps).
if ARGV[9] == '1' and redis.call('HEXISTS', KEYS[6], 'down') == 1 then
  return {1, 0, 0, {}}
end
local count = tonumber(redis.call('HGET', KEYS[7], 'c') or '0')
local desc = ARGV[1] == 'desc'
local limit = tonumber(ARGV[6])
local preview = tonumber(ARGV[7])
local reader = ARGV[8]
local span = tonumber(ARGV[10])
local lo, hi = ARGV[2], ARGV[3]
local cs, cm = ARGV[4], ARGV[5]
local csn = tonumber(cs)
if cs ~= '' then
  if desc then hi = cs else lo = cs end
end

local function entry(member)
  local seq = tostring(tonumber(member))
  local mine = ''
  if reader ~= '' then mine = redis.call('HGET', KEYS[5], seq .. ':' .. reader) or '' end
  return {member, '', redis.call('HGET', KEYS[2], seq) or '', redis.call('HGET', KEYS[3], seq) or '', mine}
end

local items = {}
local more = 0
local offset = 0
local batch = limit + 1
while true do
  local rows
  if desc then
    rows = redis.call('ZREVRANGEBYSCORE', KEYS[1], hi, lo, 'WITHSCORES', 'LIMIT', offset, batch)
  else
    rows = redis.call('ZRANGEBYSCORE', KEYS[1], lo, hi, 'WITHSCORES', 'LIMIT', offset, batch)
  end
  for i = 1, #rows, 2 do
    local member, score = rows[i], rows[i + 1]
    local skip = false
    if cs ~= '' and tonumber(score) == csn then
      if desc then skip = member >= cm else skip = member <= cm end
    end
    if not skip then
      if #items == limit then more = 1 break end
      local e = entry(member)
      e[2] = score
      local replies = {}
      if preview > 0 and e[3] ~= '' then
        local nrep = tonumber(string.match(e[3], '^[^|]*|[^|]*|[^|]*|([^|]*)|'))
        if nrep and nrep > 0 then
          local seq = tonumber(member)
          local rows2 = redis.call('ZRANGEBYSCORE', KEYS[4], string.format('%.0f', seq * span),
                                   string.format('%.0f', seq * span + span - 1), 'LIMIT', 0, preview)
          for j = 1, #rows2 do replies[#replies + 1] = entry(rows2[j]) end
        end
      end
      e[6] = replies
      items[#items + 1] = e
    end
  end
  if more == 1 or #rows < batch * 2 then break end
  offset = offset + batch
end
return {0, count, more, items}
