-- Ranking library (docs/rankings.md): apply a scope's pending deltas, roll its windows.
-- Not a script on its own: service/store/rankings.py composes it (behind the generated
-- constants prelude, and with rank_write.lua) in front of each entry script that reads or
-- applies, so the rules exist once. It touches only keys passed in KEYS.
--
-- A scope (the whole site, or one channel) is a run of KEYS starting at `base`:
--   KEYS[base]     state hash: R = hour rolled to, E = hot epoch hour, A = the last second
--                  a write claimed the apply of the pending deltas,
--                  "all|<code>" = all-time total of `code` in the scope (stats)
--   KEYS[base + 1] hour index, a sorted set: "<hour>|<code>|<article>" scored by hour
--   KEYS[base + 2] hour counts, a hash: "<hour>|<code>|<article>" -> count; the entries
--                  with an empty article, "<hour>|<code>|", are the scope's hour totals
--   KEYS[base + 3] pending deltas, a hash: "<hour>|<code>|<article>" -> delta not yet in
--                  the hour counts and windows
--   KEYS[base + 4 ...] window sorted sets article -> score, metric-major: for each metric
--                  (the site's moods' codes in site order, then RK_METRICS) every window
--                  of RK_WINDOW_NAMES
-- A write only needs KEYS[base] and KEYS[base + 3] of a scope (rank_write.lua); applying
-- the pending deltas (rk_roll) needs the whole scope.
-- Codes of base activity: RK_MOOD .. ':<mood>' a standing vote, and the codes of
-- RK_CODE_METRIC (a share, a page view, a published comment). An op is
-- {code, hour (unix seconds // RK_HOUR), delta}.
--
-- Window w of L hours covers the hours [R - L, R] (the current clock hour and the L before
-- it); an applied op at hour h counts in w iff h >= R - L. Hour entries are kept while
-- h >= R - RK_KEEP (until the longest window lets them go), which is what the roll
-- subtracts as hours leave. Every step is a sum, so ops commute: applying pending deltas
-- later, in any grouping, ends where applying each at once would.

-- The constants (RK_WINDOW_NAMES, RK_WINDOW_HOURS, RK_KEEP, RK_HOUR, RK_METRICS, RK_HOT,
-- RK_MOOD, RK_MOOD_PREFIX, RK_MOOD_METRIC, RK_CODE_METRIC, RK_POINTS, RK_EPS, RK_REBASE)
-- come from the prelude service/store/rankings.py generates from
-- service/domain/ranking_rules.py.
local RK_CHUNK = 500   -- members per command (Lua's unpack has a stack limit)

local function rk_is_mood(code)
  return string.sub(code, 1, #RK_MOOD_PREFIX) == RK_MOOD_PREFIX
end

local function rk_fmt(x)
  return string.format('%.17g', x)
end

-- The scope whose keys start at KEYS[base], for the site's `moods`: s.win[metric] is the
-- KEYS index of the metric's first window (its other windows follow), nil for unknown
-- metrics.
local function rk_scope(base, moods)
  local s = {st = KEYS[base], hx = KEYS[base + 1], hc = KEYS[base + 2], pd = KEYS[base + 3],
             win = {}}
  local k = base + 4
  local nw = #RK_WINDOW_NAMES
  for _, m in ipairs(moods) do s.win[RK_MOOD_PREFIX .. m] = k; k = k + nw end
  for _, m in ipairs(RK_METRICS) do s.win[m] = k; k = k + nw end
  s.next = k
  return s
end

-- The moods listed from ARGV[i + 1] on, ARGV[i] being their count; and the next index.
local function rk_moods(i)
  local n = tonumber(ARGV[i])
  local moods = {}
  for j = 1, n do moods[j] = ARGV[i + j] end
  return moods, i + n + 1
end

-- How much one unit of `code` at hour h adds to a hot window (epoch E, half-life hl hours).
local function rk_hot_unit(code, h, E, hl)
  local points = RK_POINTS[rk_is_mood(code) and RK_MOOD or code] or 0
  return points * 2 ^ ((h - E) / hl)
end

-- Calls cmd(key, chunk...) over `list` in chunks of RK_CHUNK * width entries.
local function rk_chunked(cmd, key, list, width)
  local step = RK_CHUNK * width
  for i = 1, #list, step do
    redis.call(cmd, key, unpack(list, i, math.min(i + step - 1, #list)))
  end
end

-- Add to sorted set `key` the deltas `d` (member -> delta) of `members`, in a few commands:
-- read the old scores (ZMSCORE), write the sums (ZADD), remove those that reach zero (for
-- `hot`, below eps). The same sums ZINCRBY would make, member by member.
local function rk_zadd_deltas(key, members, d, eps)
  local add, rem = {}, {}
  for i = 1, #members, RK_CHUNK do
    local chunk = {unpack(members, i, math.min(i + RK_CHUNK - 1, #members))}
    local old = redis.call('ZMSCORE', key, unpack(chunk))
    for j, m in ipairs(chunk) do
      local v = (tonumber(old[j]) or 0) + d[m]
      if v == 0 or (eps and v < eps and v > -eps) then
        if old[j] then rem[#rem + 1] = m end
      else
        add[#add + 1] = rk_fmt(v); add[#add + 1] = m
      end
    end
  end
  if #add > 0 then rk_chunked('ZADD', key, add, 2) end
  if #rem > 0 then rk_chunked('ZREM', key, rem, 1) end
end

-- Add to the scope's hour entries the deltas `d` (member -> delta) of `members` (whose
-- hours are `hours`), indexing new entries and dropping those that reach zero.
local function rk_hour_deltas(s, members, d, hours)
  local set, del, index = {}, {}, {}
  for i = 1, #members, RK_CHUNK do
    local chunk = {unpack(members, i, math.min(i + RK_CHUNK - 1, #members))}
    local old = redis.call('HMGET', s.hc, unpack(chunk))
    for j, m in ipairs(chunk) do
      local n = (tonumber(old[j]) or 0) + d[m]
      if n == 0 then
        if old[j] then del[#del + 1] = m end
      else
        set[#set + 1] = m; set[#set + 1] = n
        if not old[j] then index[#index + 1] = hours[m]; index[#index + 1] = m end
      end
    end
  end
  if #set > 0 then rk_chunked('HSET', s.hc, set, 2) end
  if #index > 0 then rk_chunked('ZADD', s.hx, index, 2) end
  if #del > 0 then
    rk_chunked('HDEL', s.hc, del, 1)
    rk_chunked('ZREM', s.hx, del, 1)
  end
end

-- Sums keyed by name, remembering first-seen order (so replies and writes are ordered).
local function rk_sums()
  local t = {order = {}, d = {}}
  function t.add(k, v)
    if t.d[k] == nil then t.d[k] = v; t.order[#t.order + 1] = k else t.d[k] = t.d[k] + v end
  end
  return t
end

-- Apply the scope's pending deltas (the scope rolled to R, hot epoch E) and empty them.
-- Deltas are summed per (key, member) first, so each window member and hour entry is
-- written once however many events it folds. Returns the number of deltas applied.
local function rk_flush(s, R, E, hl)
  local flat = redis.call('HGETALL', s.pd)
  if #flat == 0 then return 0 end
  redis.call('DEL', s.pd)
  local eps = RK_EPS * 2 ^ ((R - E) / hl)
  local hot, moods_metric = s.win[RK_HOT], s.win[RK_MOOD_METRIC]
  local entries, all, wins = rk_sums(), rk_sums(), {}
  local hours, win_order = {}, {}
  local function addw(k, article, v)
    local t = wins[k]
    if t == nil then t = rk_sums(); wins[k] = t; win_order[#win_order + 1] = k end
    t.add(article, v)
  end
  for i = 1, #flat, 2 do
    local field, d = flat[i], tonumber(flat[i + 1])
    if d ~= 0 then
      local a = string.find(field, '|', 1, true)
      local b = string.find(field, '|', a + 1, true)
      local h = tonumber(string.sub(field, 1, a - 1))
      local code = string.sub(field, a + 1, b - 1)
      local article = string.sub(field, b + 1)
      if h >= R - RK_KEEP then
        local total = string.sub(field, 1, b)   -- "<hour>|<code>|": the scope's hour total
        entries.add(field, d); hours[field] = h
        entries.add(total, d); hours[total] = h
      end
      all.add('all|' .. code, d)
      local is_mood = rk_is_mood(code)
      local metric = s.win[is_mood and code or RK_CODE_METRIC[code]]  -- nil: a mood since removed
      local hot_by = d * rk_hot_unit(code, h, E, hl)
      for w = 1, #RK_WINDOW_HOURS do
        local L = RK_WINDOW_HOURS[w]
        if L < 0 or h >= R - L then
          if metric then addw(metric + w - 1, article, d) end
          if is_mood then addw(moods_metric + w - 1, article, d) end
          addw(hot + w - 1, article, hot_by)
        end
      end
    end
  end
  for _, k in ipairs(win_order) do
    local t = wins[k]
    local members = {}
    for _, m in ipairs(t.order) do if t.d[m] ~= 0 then members[#members + 1] = m end end
    if #members > 0 then
      rk_zadd_deltas(KEYS[k], members, t.d, (k >= hot and k < hot + #RK_WINDOW_HOURS) and eps)
    end
  end
  local members = {}
  for _, m in ipairs(entries.order) do if entries.d[m] ~= 0 then members[#members + 1] = m end end
  if #members > 0 then rk_hour_deltas(s, members, entries.d, hours) end
  for _, f in ipairs(all.order) do
    if all.d[f] ~= 0 then redis.call('HINCRBY', s.st, f, all.d[f]) end
  end
  return #flat / 2
end

-- Subtract `c` of `code` at hour h from window number `w` of the scope (an hour entry that
-- left it in a roll).
local function rk_window_leave(s, w, code, h, article, c, E, hl, eps)
  local off = w - 1
  local is_mood = rk_is_mood(code)
  local metric = s.win[is_mood and code or RK_CODE_METRIC[code]]  -- nil: a mood since removed
  local keys = {}
  if metric then keys[#keys + 1] = KEYS[metric + off] end
  if is_mood then keys[#keys + 1] = KEYS[s.win[RK_MOOD_METRIC] + off] end
  for _, key in ipairs(keys) do
    if tonumber(redis.call('ZINCRBY', key, -c, article)) == 0 then
      redis.call('ZREM', key, article)
    end
  end
  local key = KEYS[s.win[RK_HOT] + off]
  local v = tonumber(redis.call('ZINCRBY', key, rk_fmt(-c * rk_hot_unit(code, h, E, hl)),
                                article))
  if v < eps and v > -eps then redis.call('ZREM', key, article) end
end

-- Bring the scope's windows to hour `cur`, then apply its pending deltas: what left each
-- window since R is subtracted. Atomic (one script), so concurrent calls need no lock: the
-- second finds R == cur and nothing pending. Every script that reads a scope calls it
-- first, so what it reads is exact. Returns the state after: R, E.
local function rk_roll(s, cur, hl)
  local st = redis.call('HMGET', s.st, 'R', 'E')
  local R, E = tonumber(st[1]), tonumber(st[2])
  if R == nil then
    redis.call('HSET', s.st, 'R', cur, 'E', cur)
    rk_flush(s, cur, cur, hl)
    return cur, cur
  end
  if cur <= R then
    rk_flush(s, R, E, hl)
    return R, E
  end
  local eps = RK_EPS * 2 ^ ((cur - E) / hl)
  local last = #RK_WINDOW_HOURS - 1   -- the bounded windows; the last one is `all`
  for w = 1, last do
    local L = RK_WINDOW_HOURS[w]
    local lo, hi = R - L, cur - 1 - L          -- hours in [R-L, R] but not in [cur-L, cur]
    local members = redis.call('ZRANGEBYSCORE', s.hx, lo, hi)
    for i = 1, #members, 1000 do
      local chunk = {unpack(members, i, math.min(i + 999, #members))}
      local counts = redis.call('HMGET', s.hc, unpack(chunk))
      for j, member in ipairs(chunk) do
        local c = tonumber(counts[j] or 0) or 0
        local a = string.find(member, '|', 1, true)
        local b = string.find(member, '|', a + 1, true)
        if b < #member and c ~= 0 then   -- an article's entry (an hour total has no article)
          rk_window_leave(s, w, string.sub(member, a + 1, b - 1),
                          tonumber(string.sub(member, 1, a - 1)), string.sub(member, b + 1),
                          c, E, hl, eps)
        end
      end
      if w == last then redis.call('HDEL', s.hc, unpack(chunk)) end
    end
    if w == last and #members > 0 then redis.call('ZREMRANGEBYSCORE', s.hx, lo, hi) end
  end
  if (cur - E) / hl > RK_REBASE then
    local factor = rk_fmt(2 ^ ((E - cur) / hl))
    for w = 1, #RK_WINDOW_NAMES do
      local key = KEYS[s.win[RK_HOT] + w - 1]
      if redis.call('EXISTS', key) == 1 then
        redis.call('ZUNIONSTORE', key, 1, key, 'WEIGHTS', factor)
      end
    end
    E = cur
  end
  redis.call('HSET', s.st, 'R', cur, 'E', E)
  rk_flush(s, cur, E, hl)
  return cur, E
end
