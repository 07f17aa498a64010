-- Read one page of comments (top-level or one parent's replies) in one round trip.
-- KEYS[1] = the sorted set to page (top-level by seq or by hot score, or the replies set)
-- KEYS[2] = comment states, a hash: seq -> "status|up|down|replies|featured|created|parent|reader"
-- KEYS[3] = comment contents, a hash: seq -> JSON
-- KEYS[4] = published replies, a sorted set scored parent * ARGV[10] + seq
-- KEYS[5] = standing votes, a hash: "<seq>:<reader>" -> "up" | "down"
-- KEYS[6] = the article's meta hash (a "down" field means taken down: nothing is listed)
-- KEYS[7] = the article's numbers hash ("c" = published comments)
-- KEYS[8] = the article's comment version (returned, so a cached rendering can be labelled)
-- ARGV[1] = "asc" or "desc"
-- ARGV[2] = lowest score of the range, ARGV[3] = highest score of the range
-- ARGV[4] = cursor score ("" for the first page), ARGV[5] = cursor member (zero-padded seq)
-- ARGV[6] = page size
-- ARGV[7] = replies to inline under each item (0 for none)
-- ARGV[8] = reader id whose votes to include, or ""
-- ARGV[9] = "1" to honour a takedown (public listings), "0" not to
-- ARGV[10] = reply span
-- Returns {taken down 0/1, published count, more 0/1, version, seqs, scores, states, contents,
-- mines, reply owners, reply seqs, reply states, reply contents, reply mines}: parallel
-- arrays ("" where a value is missing; a reply's owner is the 1-based index of its item),
-- with the states and contents of the whole page fetched by one HMGET each. Flat arrays
-- instead of a table per item cost Redis about a third less to build and return.
-- Keyset paging: the page starts strictly after (cursor score, cursor member) in the set's
-- order, so comments added meanwhile never shift a page (no duplicates, no gaps).
local version = redis.call('GET', KEYS[8]) or '0'
if ARGV[9] == '1' and redis.call('HEXISTS', KEYS[6], 'down') == 1 then
  return {1, 0, 0, version, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}}
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

-- 1. the page's members, strictly after the cursor
local members, scores = {}, {}
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
      if #members == limit then more = 1 break end
      members[#members + 1] = tostring(tonumber(member))
      scores[#scores + 1] = score
    end
  end
  if more == 1 or #rows < batch * 2 then break end
  offset = offset + batch
end
if #members == 0 then return {0, count, 0, version, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}} end

local function fetch(seqs)
  local states = redis.call('HMGET', KEYS[2], unpack(seqs))
  local contents = redis.call('HMGET', KEYS[3], unpack(seqs))
  local mines = {}
  for i = 1, #seqs do
    states[i] = states[i] or ''
    contents[i] = contents[i] or ''
  end
  if reader ~= '' then
    local fields = {}
    for i = 1, #seqs do fields[i] = seqs[i] .. ':' .. reader end
    mines = redis.call('HMGET', KEYS[5], unpack(fields))
    for i = 1, #seqs do mines[i] = mines[i] or '' end
  end
  return states, contents, mines
end

-- 2. the items, then 3. the first replies of those that have some, fetched together
local states, contents, mines = fetch(members)
local owners, rseqs = {}, {}
if preview > 0 then
  for i = 1, #members do
    local nrep = tonumber(string.match(states[i], '^[^|]*|[^|]*|[^|]*|([^|]*)|') or '0')
    if nrep and nrep > 0 then
      local seq = tonumber(members[i])
      local rows = redis.call('ZRANGEBYSCORE', KEYS[4], string.format('%.0f', seq * span),
                              string.format('%.0f', seq * span + span - 1), 'LIMIT', 0, preview)
      for j = 1, #rows do
        owners[#owners + 1] = i
        rseqs[#rseqs + 1] = tostring(tonumber(rows[j]))
      end
    end
  end
end
local rstates, rcontents, rmines = {}, {}, {}
if #rseqs > 0 then rstates, rcontents, rmines = fetch(rseqs) end
return {0, count, more, version, members, scores, states, contents, mines,
        owners, rseqs, rstates, rcontents, rmines}
