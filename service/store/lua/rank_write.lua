-- Ranking writes (docs/rankings.md): fold an article's activity into the pending deltas of
-- its ranking scopes, and claim their apply. Not a script on its own: service/store/
-- rankings.py composes it (behind the generated constants prelude) in front of the write
-- scripts — small on purpose, as every event runs it — and, with rank_lib.lua, in front of
-- the scripts that apply. A write touches two keys per scope: its state hash and its
-- pending deltas (rank_lib.lua describes both).
--
-- What a write script cannot fold into a scope itself (Redis Cluster: the scope is another
-- slot; one node: the channel guessed wrong) it leaves in the article's outbox, a hash in
-- the article's own slot, written in the same script as the records:
--   "n"          the last sequence number given out (on Cluster kept, so numbers only grow)
--   "s<seq>"     ops the site scope still owes: "<code> <hour> <delta> ..." (space-separated)
--   "c<seq>"     ops a channel scope still owes: "<channel>|<code> <hour> <delta> ..."
-- The caller then folds them with rank_pend.lua. On Cluster it remembers per scope and
-- article the highest sequence number it folded (the scope's "seen" hash) and skips what it
-- already has, and the caller deletes the entries from the outbox afterwards; on one node it
-- folds and deletes them in one script. A crash or a failover between the steps leaves them
-- in the outbox, never lost and never counted twice: the article's next write returns them
-- again, and `xinqing rankings sweep` folds what no later write carried.

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

-- Ops as the outbox writes them: "<code> <hour> <delta> ...".
local function rk_ops_text(ops)
  return table.concat(rk_flat(ops), ' ')
end

-- After an article's own write: read its channel and takedown mark from the meta hash and,
-- unless it is taken down (or held, below), fold `ops` into the pending deltas of the
-- scopes passed from KEYS[base] on (two keys each: state and pending hash), and put what
-- they could not carry in the article's outbox `ob` (above).
-- ARGV[argi] = scopes passed (0: none, Redis Cluster: every scope goes through the outbox;
-- 1: the site; 2: the site and the channel guessed in ARGV[argi + 1]),
-- ARGV[argi + 2] = article id, ARGV[argi + 3] = "1" if the site requires synced meta.
-- Held: when the site requires meta and the article has none synced (no "url" in its meta
-- hash), its activity stays out of the rankings; the meta hash is marked "hold", and the
-- first sync of its meta (article_meta.lua) hands the records over to be ranked.
-- Returns {channel, down (0 live, 1 taken down, 2 held), channel folded 0/1,
--          site apply claimed 0/1, channel apply claimed 0/1, the outbox as a flat HGETALL}:
-- the outbox holds this write's leftovers and any an earlier write left there.
local function rk_after_article(meta_key, ob, base, argi, now, ops)
  local meta = redis.call('HMGET', meta_key, 'channel', 'down', 'url', 'hold')
  local channel = meta[1] or ''
  local down = meta[2] and 1 or 0
  if down == 0 and ARGV[argi + 3] == '1' and not meta[3] then
    if #ops > 0 and not meta[4] then redis.call('HSET', meta_key, 'hold', 1) end
    return {channel, 2, 0, 0, 0, redis.call('HGETALL', ob)}
  end
  local folded, due_site, due_channel = 0, 0, 0
  local nscopes = tonumber(ARGV[argi])
  if down == 0 and #ops > 0 then
    local article = ARGV[argi + 2]
    local owe_site = nscopes == 0
    local owe_channel = channel ~= ''
    if nscopes > 0 then
      due_site = rk_pend(KEYS[base], KEYS[base + 1], article, ops, now)
      if nscopes > 1 and owe_channel and ARGV[argi + 1] == channel then
        due_channel = rk_pend(KEYS[base + 2], KEYS[base + 3], article, ops, now)
        folded = 1
        owe_channel = false
      end
    end
    if owe_site or owe_channel then
      local seq = redis.call('HINCRBY', ob, 'n', 1)
      local text = rk_ops_text(ops)
      if owe_site then redis.call('HSET', ob, 's' .. seq, text) end
      if owe_channel then redis.call('HSET', ob, 'c' .. seq, channel .. '|' .. text) end
    end
  end
  return {channel, down, folded, due_site, due_channel, redis.call('HGETALL', ob)}
end

-- Wrap the library's reply: {base reply..., channel, down, folded, claims..., ops flat}
local function rk_reply(parts, after, ops)
  local out = {}
  for _, p in ipairs(parts) do out[#out + 1] = p end
  for _, p in ipairs(after) do out[#out + 1] = p end
  out[#out + 1] = rk_flat(ops)
  return out
end
