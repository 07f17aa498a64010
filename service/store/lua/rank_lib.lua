-- Ranking library (docs/rankings.md): apply activity to one ranking scope; roll its windows.
-- Not a script on its own: service/store/rankings.py composes it in front of each entry
-- script that uses it, so the rules exist once. It touches only keys passed in KEYS.
--
-- A scope (the whole site, or one channel) is a run of KEYS starting at `base`:
--   KEYS[base]     state hash: R = hour rolled to, E = hot epoch hour,
--                  "all|<code>" = all-time total of `code` in the scope (stats)
--   KEYS[base + 1] hour index, a sorted set: "<hour>|<code>|<article>" scored by hour
--   KEYS[base + 2] hour counts, a hash: "<hour>|<code>|<article>" -> count; the entries
--                  with an empty article, "<hour>|<code>|", are the scope's hour totals
--   KEYS[base + 3 ...] window sorted sets article -> score, metric-major: for each metric
--                  ("m:<mood>" per mood in site order, then reactions, shares, views,
--                  comments, hot) the windows 1h, 24h, 7d, 30d, all
-- Codes of base activity: "m:<mood>" a standing vote, "s" a share, "v" a page view,
-- "c" a published comment. An op is {code, hour (unix seconds // 3600), delta}.
--
-- Window w of L hours covers the hours [R - L, R] (the current clock hour and the L before
-- it); an op at hour h counts in w iff h >= R - L. Hour entries are kept while h >= R - 720
-- (until the 30d window lets them go), which is what the roll subtracts as hours leave.

-- The constants (RK_WINDOW_NAMES, RK_WINDOW_HOURS, RK_KEEP, RK_HOUR, RK_METRICS, RK_HOT,
-- RK_MOOD, RK_MOOD_METRIC, RK_CODE_METRIC, RK_POINTS, RK_EPS, RK_REBASE) come from the
-- prelude service/store/rankings.py generates from service/domain/ranking_rules.py.
local RK_MOOD_PREFIX = RK_MOOD .. ':'

local function rk_is_mood(code)
  return string.sub(code, 1, #RK_MOOD_PREFIX) == RK_MOOD_PREFIX
end

local function rk_fmt(x)
  return string.format('%.17g', x)
end

-- The scope whose keys start at KEYS[base], for the site's `moods`: s.win[metric] is the
-- KEYS index of the metric's 1h window (its other windows follow), nil for unknown metrics.
local function rk_scope(base, moods)
  local s = {st = KEYS[base], hx = KEYS[base + 1], hc = KEYS[base + 2], win = {}}
  local k = base + 3
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

local function rk_bump(key, by, article)
  if by == 0 then return end
  if tonumber(redis.call('ZINCRBY', key, by, article)) == 0 then
    redis.call('ZREM', key, article)
  end
end

local function rk_bump_hot(key, by, article, eps)
  local v = tonumber(redis.call('ZINCRBY', key, by, article))
  if v < eps and v > -eps then redis.call('ZREM', key, article) end
end

-- How much one unit of `code` at hour h adds to a hot window (epoch E, half-life hl hours).
local function rk_hot_unit(code, h, E, hl)
  local points = RK_POINTS[rk_is_mood(code) and RK_MOOD or code] or 0
  return points * 2 ^ ((h - E) / hl)
end

-- Add `d` of `code` to window number `w` (1..#RK_WINDOW_NAMES) of the scope (no state, no hour entry);
-- hot_by is the hot increment already formatted (rk_fmt(d * rk_hot_unit(...))).
local function rk_window_add(s, w, code, article, d, hot_by, eps)
  local off = w - 1
  local is_mood = rk_is_mood(code)
  local metric = s.win[is_mood and code or RK_CODE_METRIC[code]]  -- nil: a mood since removed
  if metric then rk_bump(KEYS[metric + off], d, article) end
  if is_mood then rk_bump(KEYS[s.win[RK_MOOD_METRIC] + off], d, article) end
  rk_bump_hot(KEYS[s.win[RK_HOT] + off], hot_by, article, eps)
end

local function rk_state(s)
  local st = redis.call('HMGET', s.st, 'R', 'E')
  return tonumber(st[1]), tonumber(st[2])
end

-- Bring the scope's windows to hour `cur`: what left each window since R is subtracted.
-- Atomic (one script), so concurrent rolls need no lock: the second finds R == cur.
-- Returns the state after: R, E.
local function rk_roll(s, cur, hl)
  local R, E = rk_state(s)
  if R == nil then
    redis.call('HSET', s.st, 'R', cur, 'E', cur)
    return cur, cur
  end
  if cur <= R then return R, E end
  local eps = RK_EPS * 2 ^ ((cur - E) / hl)
  local last = #RK_WINDOW_HOURS - 1   -- the bounded windows; the last one is `all`
  for w = 1, last do
    local L = RK_WINDOW_HOURS[w]
    local lo, hi = R - L, cur - 1 - L          -- hours in [R-L, R] but not in [cur-L, cur]
    local members = redis.call('ZRANGEBYSCORE', s.hx, lo, hi)
    for i = 1, #members, 1000 do
      local chunk = {}
      for j = i, math.min(i + 999, #members) do chunk[#chunk + 1] = members[j] end
      local counts = redis.call('HMGET', s.hc, unpack(chunk))
      for j, member in ipairs(chunk) do
        local c = tonumber(counts[j] or 0) or 0
        local a = string.find(member, '|', 1, true)
        local b = string.find(member, '|', a + 1, true)
        local h = tonumber(string.sub(member, 1, a - 1))
        local code = string.sub(member, a + 1, b - 1)
        if b < #member then   -- an article's entry (an hour total has no article)
          rk_window_add(s, w, code, string.sub(member, b + 1), -c,
                        rk_fmt(-c * rk_hot_unit(code, h, E, hl)), eps)
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
  return cur, E
end

-- Add d to an hour entry (an article's, or an hour total), indexing or dropping it.
local function rk_hour_entry(s, h, member, d)
  local n = redis.call('HINCRBY', s.hc, member, d)
  if n == 0 then
    redis.call('HDEL', s.hc, member)
    redis.call('ZREM', s.hx, member)
  elseif n == d then
    redis.call('ZADD', s.hx, h, member)
  end
end

-- Apply ops (a list of {code, hour, delta}) of `article` to a scope rolled to R (epoch E).
-- Window changes are summed per key first, so a vote moved within its hour's windows costs
-- no `reactions` or `hot` writes (they cancel exactly) and nothing is written twice.
local function rk_apply(s, article, ops, hl, R, E)
  local eps = RK_EPS * 2 ^ ((R - E) / hl)
  local acc, hot, tot, all = {}, {}, {}, {}
  local acc_order, hot_order, tot_order, all_order, tot_hour = {}, {}, {}, {}, {}
  local function add(t, order, k, v)
    if t[k] == nil then t[k] = v; order[#order + 1] = k else t[k] = t[k] + v end
  end
  for _, op in ipairs(ops) do
    local code, h, d = op[1], op[2], op[3]
    if d ~= 0 then
      if h >= R - RK_KEEP then
        local member = h .. '|' .. code .. '|'
        rk_hour_entry(s, h, member .. article, d)
        add(tot, tot_order, member, d)
        tot_hour[member] = h
      end
      add(all, all_order, 'all|' .. code, d)
      local is_mood = rk_is_mood(code)
      local metric = s.win[is_mood and code or RK_CODE_METRIC[code]]  -- nil: a mood since removed
      local hot_by = d * rk_hot_unit(code, h, E, hl)
      for w = 1, #RK_WINDOW_HOURS do
        local L = RK_WINDOW_HOURS[w]
        if L < 0 or h >= R - L then
          if metric then add(acc, acc_order, metric + w - 1, d) end
          if is_mood then add(acc, acc_order, s.win[RK_MOOD_METRIC] + w - 1, d) end
          add(hot, hot_order, s.win[RK_HOT] + w - 1, hot_by)
        end
      end
    end
  end
  for _, k in ipairs(acc_order) do rk_bump(KEYS[k], acc[k], article) end
  for _, k in ipairs(hot_order) do
    if hot[k] ~= 0 then rk_bump_hot(KEYS[k], rk_fmt(hot[k]), article, eps) end
  end
  for _, f in ipairs(tot_order) do
    if tot[f] ~= 0 then rk_hour_entry(s, tot_hour[f], f, tot[f]) end
  end
  for _, f in ipairs(all_order) do
    if all[f] ~= 0 then redis.call('HINCRBY', s.st, f, all[f]) end
  end
end

-- Ops as a flat list {code1, hour1, delta1, ...} (for replies and ARGV) and back.
local function rk_flat(ops)
  local out = {}
  for _, op in ipairs(ops) do
    out[#out + 1] = op[1]; out[#out + 1] = op[2]; out[#out + 1] = op[3]
  end
  return out
end

local function rk_unflat(i, n)
  local ops = {}
  for j = 0, n - 1 do
    local k = i + 3 * j
    ops[#ops + 1] = {ARGV[k], tonumber(ARGV[k + 1]), tonumber(ARGV[k + 2])}
  end
  return ops
end

-- After an article's own write: read its channel and takedown mark from the meta hash and,
-- unless it is taken down (or held, below), apply `ops` to the scopes passed from
-- KEYS[base] on.
-- ARGV[argi] = scopes passed (0: none, the caller applies them; 1: the site; 2: the site and
-- the channel guessed in ARGV[argi + 2]), ARGV[argi + 1] = hot half-life in hours,
-- ARGV[argi + 3] = article id, ARGV[argi + 4] = "1" if the site requires synced meta,
-- ARGV[argi + 5] = mood count, then the site's moods.
-- Held: when the site requires meta and the article has none synced (no "url" in its meta
-- hash), its activity stays out of the rankings; the meta hash is marked "hold", and the
-- first sync of its meta (article_meta.lua) hands the records over to be ranked.
-- Returns {channel, down (0 live, 1 taken down, 2 held), channel applied 0/1}.
local function rk_after_article(meta_key, base, argi, now, ops)
  local meta = redis.call('HMGET', meta_key, 'channel', 'down', 'url', 'hold')
  local channel = meta[1] or ''
  local down = meta[2] and 1 or 0
  if down == 0 and ARGV[argi + 4] == '1' and not meta[3] then
    if #ops > 0 and not meta[4] then redis.call('HSET', meta_key, 'hold', 1) end
    return {channel, 2, 0}
  end
  local applied = 0
  local nscopes = tonumber(ARGV[argi])
  if down == 0 and #ops > 0 and nscopes > 0 then
    local hl = tonumber(ARGV[argi + 1])
    local article = ARGV[argi + 3]
    local moods = rk_moods(argi + 5)
    local cur = math.floor(now / RK_HOUR)
    local site = rk_scope(base, moods)
    rk_apply(site, article, ops, hl, rk_roll(site, cur, hl))
    if nscopes > 1 and channel ~= '' and ARGV[argi + 2] == channel then
      local ch = rk_scope(site.next, moods)
      rk_apply(ch, article, ops, hl, rk_roll(ch, cur, hl))
      applied = 1
    end
  end
  return {channel, down, applied}
end

-- Wrap the library's reply: {base reply..., channel, down, applied, ops flat...}
local function rk_reply(parts, after, ops)
  local out = {}
  for _, p in ipairs(parts) do out[#out + 1] = p end
  for _, p in ipairs(after) do out[#out + 1] = p end
  out[#out + 1] = rk_flat(ops)
  return out
end
