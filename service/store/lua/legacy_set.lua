-- Set an article's legacy counts (migrated from another system, owned by no reader),
-- atomically with the numbers they add to. Setting the same counts again changes nothing.
-- KEYS[1] = the article's activity hash: legacy counts are "~<code>|<hour>" -> count
-- KEYS[2] = the article's numbers hash ("r:<mood>" for a mood code "m:<mood>", "pv" for "v")
-- KEYS[3] = the article's meta hash (channel, down)
-- ARGV = code, count, hour triples: the code's legacy count becomes `count`, cast in `hour`
-- (unix seconds // 3600), replacing whatever legacy count the code had before.
-- Returns {channel, down 0/1, ops flat {code, hour, delta}...}: what the rankings must follow.
local net, order = {}, {}
local function op(code, hour, d)
  local k = code .. '|' .. hour
  if net[k] == nil then net[k] = 0; order[#order + 1] = {code, hour, k} end
  net[k] = net[k] + d
end
local fields = redis.call('HKEYS', KEYS[1])
for i = 1, #ARGV, 3 do
  local code, count, hour = ARGV[i], tonumber(ARGV[i + 1]), ARGV[i + 2]
  local prefix = '~' .. code .. '|'
  local old = 0
  for _, f in ipairs(fields) do
    if string.sub(f, 1, #prefix) == prefix then
      local n = tonumber(redis.call('HGET', KEYS[1], f) or '0')
      old = old + n
      redis.call('HDEL', KEYS[1], f)
      op(code, string.sub(f, #prefix + 1), -n)
    end
  end
  if count > 0 then
    redis.call('HSET', KEYS[1], prefix .. hour, count)
    op(code, hour, count)
  end
  local field = code == 'v' and 'pv' or 'r:' .. string.sub(code, 3)
  if count ~= old and redis.call('HINCRBY', KEYS[2], field, count - old) <= 0 then
    redis.call('HDEL', KEYS[2], field)
  end
end
local ops = {}
for _, o in ipairs(order) do
  if net[o[3]] ~= 0 then
    ops[#ops + 1] = o[1]; ops[#ops + 1] = tonumber(o[2]); ops[#ops + 1] = net[o[3]]
  end
end
local meta = redis.call('HMGET', KEYS[3], 'channel', 'down')
return {meta[1] or '', meta[2] and 1 or 0, ops}
