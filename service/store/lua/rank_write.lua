-- Ranking writes (docs/rankings.md): fold an article's activity into the pending deltas of
-- its ranking scopes, and claim their apply. Not a script on its own: service/store/
-- rankings.py composes it (behind the generated constants prelude) in front of the write
-- scripts — small on purpose, as every event runs it — and, with rank_lib.lua, in front of
-- the scripts that apply. A write touches two keys per scope: its state hash and its
-- pending deltas (rank_lib.lua describes both).

-- Fold ops (a list of {code, hour, delta}) of `article` into a scope's pending hash `pd`
-- (rk_fold). rk_pend also claims the scope's apply (state hash `st`) if no write claimed it
-- in this second (`now`, unix seconds): the check is here, inside the script, so one write
-- per scope and second claims it, whichever worker runs it. Returns 1 if claimed (the
-- caller applies the pending deltas with rank_settle.lua), else 0.
local function rk_fold(pd, article, ops)
  for _, op in ipairs(ops) do
    if op[3] ~= 0 then
      local field = op[2] .. '|' .. op[1] .. '|' .. article
      if redis.call('HINCRBY', pd, field, op[3]) == 0 then redis.call('HDEL', pd, field) end
    end
  end
end

local function rk_pend(st, pd, article, ops, now)
  rk_fold(pd, article, ops)
  local claimed = tonumber(redis.call('HGET', st, 'A'))
  if claimed ~= nil and claimed >= now then return 0 end
  redis.call('HSET', st, 'A', now)
  return 1
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
-- unless it is taken down (or held, below), fold `ops` into the pending deltas of the
-- scopes passed from KEYS[base] on (two keys each: state and pending hash).
-- ARGV[argi] = scopes passed (0: none, the caller folds them; 1: the site; 2: the site and
-- the channel guessed in ARGV[argi + 1]), ARGV[argi + 2] = article id,
-- ARGV[argi + 3] = "1" if the site requires synced meta.
-- Held: when the site requires meta and the article has none synced (no "url" in its meta
-- hash), its activity stays out of the rankings; the meta hash is marked "hold", and the
-- first sync of its meta (article_meta.lua) hands the records over to be ranked.
-- Returns {channel, down (0 live, 1 taken down, 2 held), channel folded 0/1,
--          site apply claimed 0/1, channel apply claimed 0/1}.
local function rk_after_article(meta_key, base, argi, now, ops)
  local meta = redis.call('HMGET', meta_key, 'channel', 'down', 'url', 'hold')
  local channel = meta[1] or ''
  local down = meta[2] and 1 or 0
  if down == 0 and ARGV[argi + 3] == '1' and not meta[3] then
    if #ops > 0 and not meta[4] then redis.call('HSET', meta_key, 'hold', 1) end
    return {channel, 2, 0, 0, 0}
  end
  local folded, due_site, due_channel = 0, 0, 0
  local nscopes = tonumber(ARGV[argi])
  if down == 0 and #ops > 0 and nscopes > 0 then
    local article = ARGV[argi + 2]
    due_site = rk_pend(KEYS[base], KEYS[base + 1], article, ops, now)
    if nscopes > 1 and channel ~= '' and ARGV[argi + 1] == channel then
      due_channel = rk_pend(KEYS[base + 2], KEYS[base + 3], article, ops, now)
      folded = 1
    end
  end
  return {channel, down, folded, due_site, due_channel}
end

-- Wrap the library's reply: {base reply..., channel, down, folded, claims..., ops flat}
local function rk_reply(parts, after, ops)
  local out = {}
  for _, p in ipairs(parts) do out[#out + 1] = p end
  for _, p in ipairs(after) do out[#out + 1] = p end
  out[#out + 1] = rk_flat(ops)
  return out
end
