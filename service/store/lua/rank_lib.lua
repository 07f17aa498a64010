-- Ranking library (docs/rankings.md): apply activity to one ranking scope; roll its windows.
-- Not a script on its own: service/store/rankings.py composes it in front of each entry
-- script that uses it, so the rules exist once. It touches only keys passed in KEYS.
--
-- A scope (the whole site, or one channel) is a run of KEYS starting at `base`:
--   KEYS[base]     state hash: R = hour rolled to, E = hot epoch hour,
--                  "<window>|<code>" = total of `code` over the window (stats)
--   KEYS[base + 1] hour index, a sorted set: "<hour>|<code>|<article>" scored by hour
--   KEYS[base + 2] hour counts, a hash: "<hour>|<code>|<article>" -> count
--   KEYS[base + 3 ...] window sorted sets article -> score, metric-major: for each metric
--                  ("m:<mood>" per mood in site order, then reactions, shares, views,
--                  comments, hot) the windows 1h, 24h, 7d, 30d, all
-- Codes of base activity: "m:<mood>" a standing vote, "s" a share, "v" a page view,
-- "c" a published comment. An op is {code, hour (unix seconds // 3600), delta}.
--
-- Window w of L hours covers the hours [R - L, R] (the current clock hour and the L before
-- it); an op at hour h counts in w iff h >= R - L. Hour entries are kept while h >= R - 720
-- (until the 30d window lets them go), which is what the roll subtracts as hours leave.

local RK_WINDOW_NAMES = {'1h', '24h', '7d', '30d', 'all'}
local RK_WINDOW_HOURS = {1, 24, 168, 720, -1}
local RK_KEEP = 720
local RK_METRICS = {'reactions', 'shares', 'views', 'comments', 'hot'}
local RK_CODE_METRIC = {s = 'shares', v = 'views', c = 'comments'}
-- hot points per unit of activity (docs/rankings.md); scores decay by 2^(-age / half-life)
local RK_POINTS = {m = 3, s = 5, v = 1, c = 5}
local RK_EPS = 1e-9      -- hot scores (as shown) below this are zero
local RK_REBASE = 256    -- rebase the hot epoch once scores carry a factor of 2^256

local function rk_fmt(x)
  return string.format('%.17g', x)
end

-- The scope whose keys start at KEYS[base], for the site's `moods`.
local function rk_scope(base, moods)
  local s = {st = KEYS[base], hx = KEYS[base + 1], hc = KEYS[base + 2], win = {}}
  local k = base + 3
  local function add(metric)
    local w = {}
    for i = 1, 5 do w[i] = KEYS[k]; k = k + 1 end
    s.win[metric] = w
  end
  for _, m in ipairs(moods) do add('m:' .. m) end
  for _, m in ipairs(RK_METRICS) do add(m) end
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

local function rk_bump(key, by, article, hot, eps)
  if key == nil or by == 0 then return end
  if hot then
    local v = tonumber(redis.call('ZINCRBY', key, rk_fmt(by), article))
    if math.abs(v) < eps then redis.call('ZREM', key, article) end
  else
    local v = tonumber(redis.call('ZINCRBY', key, by, article))
    if v == 0 then redis.call('ZREM', key, article) end
  end
end

-- Add `d` of `code` at hour `h` to window number `w` of the scope (no state, no hour entry).
local function rk_window_add(s, w, code, article, h, d, E, hl, eps)
  local is_mood = string.sub(code, 1, 2) == 'm:'
  local metric = is_mood and code or RK_CODE_METRIC[code]
  local win = s.win[metric]   -- nil for a mood the site no longer has
  if win then rk_bump(win[w], d, article, false) end
  if is_mood then rk_bump(s.win['reactions'][w], d, article, false) end
  local points = RK_POINTS[is_mood and 'm' or code] or 0
  rk_bump(s.win['hot'][w], d * points * 2 ^ ((h - E) / hl), article, true, eps)
end

local function rk_state(s)
  local st = redis.call('HMGET', s.st, 'R', 'E')
  return tonumber(st[1]), tonumber(st[2])
end

-- Bring the scope's windows to hour `cur`: what left each window since R is subtracted.
-- Atomic (one script), so concurrent rolls need no lock: the second finds R == cur.
local function rk_roll(s, cur, hl)
  local R, E = rk_state(s)
  if R == nil then
    redis.call('HSET', s.st, 'R', cur, 'E', cur)
    return
  end
  if cur <= R then return end
  local eps = RK_EPS * 2 ^ ((cur - E) / hl)
  for w = 1, 4 do
    local L = RK_WINDOW_HOURS[w]
    local lo, hi = R - L, cur - 1 - L          -- hours in [R-L, R] but not in [cur-L, cur]
    local members = redis.call('ZRANGEBYSCORE', s.hx, lo, hi)
    local totals = {}
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
        rk_window_add(s, w, code, string.sub(member, b + 1), h, -c, E, hl, eps)
        totals[code] = (totals[code] or 0) - c
      end
      if w == 4 then redis.call('HDEL', s.hc, unpack(chunk)) end
    end
    for code, t in pairs(totals) do
      if t ~= 0 then redis.call('HINCRBY', s.st, RK_WINDOW_NAMES[w] .. '|' .. code, t) end
    end
    if w == 4 and #members > 0 then redis.call('ZREMRANGEBYSCORE', s.hx, lo, hi) end
  end
  if (cur - E) / hl > RK_REBASE then
    local factor = rk_fmt(2 ^ ((E - cur) / hl))
    for w = 1, 5 do
      local key = s.win['hot'][w]
      if redis.call('EXISTS', key) == 1 then
        redis.call('ZUNIONSTORE', key, 1, key, 'WEIGHTS', factor)
      end
    end
    E = cur
  end
  redis.call('HSET', s.st, 'R', cur, 'E', E)
end

-- Apply ops (a list of {code, hour, delta}) of `article` to a rolled scope.
local function rk_apply(s, article, ops, hl)
  local R, E = rk_state(s)
  local eps = RK_EPS * 2 ^ ((R - E) / hl)
  for _, op in ipairs(ops) do
    local code, h, d = op[1], op[2], op[3]
    if d ~= 0 then
      if h >= R - RK_KEEP then
        local member = h .. '|' .. code .. '|' .. article
        local n = redis.call('HINCRBY', s.hc, member, d)
        if n == 0 then
          redis.call('HDEL', s.hc, member)
          redis.call('ZREM', s.hx, member)
        elseif n == d then
          redis.call('ZADD', s.hx, h, member)
        end
      end
      for w = 1, 5 do
        local L = RK_WINDOW_HOURS[w]
        if L < 0 or h >= R - L then
          rk_window_add(s, w, code, article, h, d, E, hl, eps)
          redis.call('HINCRBY', s.st, RK_WINDOW_NAMES[w] .. '|' .. code, d)
        end
      end
    end
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
-- unless it is taken down, apply `ops` to the scopes passed from KEYS[base] on.
-- ARGV[argi] = scopes passed (0: none, the caller applies them; 1: the site; 2: the site and
-- the channel guessed in ARGV[argi + 2]), ARGV[argi + 1] = hot half-life in hours,
-- ARGV[argi + 3] = article id, ARGV[argi + 4] = mood count, then the site's moods.
-- Returns {channel, down 0/1, channel applied 0/1}.
local function rk_after_article(meta_key, base, argi, now, ops)
  local meta = redis.call('HMGET', meta_key, 'channel', 'down')
  local channel = meta[1] or ''
  local down = meta[2] and 1 or 0
  local applied = 0
  local nscopes = tonumber(ARGV[argi])
  if down == 0 and #ops > 0 and nscopes > 0 then
    local hl = tonumber(ARGV[argi + 1])
    local article = ARGV[argi + 3]
    local moods = rk_moods(argi + 4)
    local cur = math.floor(now / 3600)
    local site = rk_scope(base, moods)
    rk_roll(site, cur, hl)
    rk_apply(site, article, ops, hl)
    if nscopes > 1 and channel ~= '' and ARGV[argi + 2] == channel then
      local ch = rk_scope(site.next, moods)
      rk_roll(ch, cur, hl)
      rk_apply(ch, article, ops, hl)
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
