/* xinqing reader widget: the core module (mood box, share bar, 新闻表情排行 box, views,
 * count spans). /xinqing.js loads it with xinqing.base (the service's URL) and
 * xinqing.assets (the manifest of content-hashed files: this file, its stylesheet, the
 * on-demand modules, the strings).
 *
 * A host is any element with data-xinqing="<kind>"; KINDS below is the one table of kinds.
 * A kind either renders here (`render`) or lives in its own module loaded on demand
 * (`module`: src/widget/<name>.js exporting render(c), with <name>.css and
 * i18n/<name>/<lang>.json when it has them), optionally only once the host nears the
 * viewport (`lazy`). Adding a kind is one entry here plus its files; nothing else changes.
 *
 * Each host gets an open shadow root styled by constructable stylesheets fetched from the
 * hashed URLs (a <link> where adoptedStyleSheets is missing), so it works under a strict
 * CSP. Server text only ever goes through textContent. No globals but `xinqing`.
 * Strings: i18n/<part>/<lang>.json, one file per language and part (zh-CN, zh-TW, en).
 *
 * This is the source: `make widget` minifies it into static/widget/, which is what ships.
 */
const W = window, D = document, X = W.xinqing;
const SITE = /^[a-z0-9][a-z0-9-]{0,31}$/, ARTICLE = /^[A-Za-z0-9_.:-]{1,128}$/;
const CHANNEL = /^[A-Za-z0-9_.-]{1,64}$/;
const WINDOWS = ["1h", "24h", "7d", "30d", "all"];
// What a host shows when even its strings cannot be had (else i18n's down and retry).
const DOWN = { down: "暂时无法加载", retry: "重试" };

const fill = (text, vars) => text.replace(/\{(\w)\}/g, (_, k) => vars[k]);

/** The sentence for a failed call in the host's strings. */
const errorText = (e, t) => fill(t.err[e.code] || t.err[""], { n: e.wait || 1 });

function langOf(el) {
  const v = (el.dataset.lang || el.closest("[lang]")?.lang || "").toLowerCase();
  return v.startsWith("en") ? "en" : /^zh-(tw|hk|mo|hant)/.test(v) ? "zh-TW" : "zh-CN";
}

const formats = {};
const fmt = (n, lang) =>
  (formats[lang] ||= new Intl.NumberFormat(lang, { notation: "compact", maximumFractionDigits: 1 })).format(n);

/** An element with a class and children (strings become text nodes, never HTML). */
function h(tag, cls, ...kids) {
  const el = D.createElement(tag);
  if (cls) el.className = cls;
  el.append(...kids.flat().filter((k) => k != null));
  return el;
}

/** Set attributes; returns the element. */
function attr(el, attrs) {
  for (const k in attrs) el.setAttribute(k, attrs[k]);
  return el;
}

function button(cls, ...kids) {
  const b = h("button", cls, ...kids);
  b.type = "button";
  return b;
}

/** An http(s) URL from server data, or null (never javascript: or data:). */
function safeUrl(u) {
  try {
    const url = new URL(u);
    return /^https?:$/.test(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}

const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

// -- the API -------------------------------------------------------------------------------
/** A failed call: `code` is the API's error code (or "network"), `wait` its Retry-After. */
class Fail extends Error {
  constructor(code, status = 0, wait = 0) {
    super(code);
    Object.assign(this, { code, status, wait });
  }
}

async function call(base, method, path, { body, token, fresh, once } = {}) {
  const headers = {};
  if (body) headers["Content-Type"] = "application/json";
  if (token) headers["X-Reader-Token"] = token;
  if (once) headers["Idempotency-Key"] = once;
  let r;
  try {
    r = await fetch(base + path, {
      method, headers, body: body && JSON.stringify(body), credentials: "omit",
      cache: fresh ? "no-cache" : "default",
    });
  } catch {
    throw new Fail("network");
  }
  const renewed = token && r.headers.get("X-Reader-Token-Refresh");
  if (renewed) renew(token, renewed);
  const data = await r.json().catch(() => null);
  if (r.ok) return data;
  throw new Fail(data?.error?.code || (r.status > 499 ? "storage_unavailable" : "http"),
    r.status, +r.headers.get("Retry-After") || 0);
}

/** A GET that waits out one 429/503 (Retry-After, up to 20 s) before giving up. */
async function get(base, path, opts) {
  try {
    return await call(base, "GET", path, opts);
  } catch (e) {
    if (![429, 503].includes(e.status) || e.wait > 20) throw e;
    await sleep((e.wait || 1) * 1000);
    return call(base, "GET", path, opts);
  }
}

// Kept per service and site (localStorage, else memory): the reader token `t`, and per
// article the reader's last mood and when they last wrote, `m` (a display hint and a cache
// buster; the server is the truth).
const memory = {}, stores = new Set();
const load = (k) => {
  stores.add(k);
  try {
    return JSON.parse(localStorage.getItem(k)) || memory[k] || {};
  } catch {
    return memory[k] || {};
  }
};
const save = (k, v) => {
  memory[k] = v;
  try {
    localStorage.setItem(k, JSON.stringify(v));
  } catch {}
};

/** Note a write of this reader on the article: its mood now (undefined: not a vote). */
function remember(c, mood) {
  const r = load(c.key), m = (r.m ||= {}), old = m[c.article];
  delete m[c.article]; // re-insert: newest last, so the oldest is dropped first
  m[c.article] = [mood === undefined ? old?.[0] ?? null : mood, Date.now()];
  const keys = Object.keys(m);
  if (keys.length > 200) delete m[keys[0]];
  save(c.key, r);
}

// The service re-signed this token after a secret rotation (X-Reader-Token-Refresh): keep the
// new one wherever the old one is kept, so the reader stays the same reader.
function renew(old, token) {
  for (const k of stores) if (load(k).t === old) save(k, { ...load(k), t: token });
}

const asking = {};
function readerToken(c) {
  const t = load(c.key).t;
  return t ? Promise.resolve(t) : (asking[c.key] ||= call(c.base, "POST", `/v1/sites/${c.site}/readers`)
    .then((d) => (save(c.key, { ...load(c.key), t: d.reader_token }), d.reader_token))
    .finally(() => delete asking[c.key]));
}

// A token the service rejected (a secret rotation, say): drop it and what it voted.
const forget = (c, token) => load(c.key).t === token && save(c.key, {});
const rejected = (e) => /^(invalid|missing)_reader$/.test(e.code);

/** Run fn(token) as this site's reader; a rejected token is replaced once, transparently. */
async function asReader(c, fn) {
  const token = await readerToken(c);
  try {
    return await fn(token);
  } catch (e) {
    if (!rejected(e)) throw e;
    forget(c, token);
    return fn(await readerToken(c));
  }
}

/** Run fn(token) with the reader's token if there is one (fn() if not); never make one. */
async function maybeReader(c, fn) {
  const token = load(c.key).t;
  try {
    return await fn(token);
  } catch (e) {
    if (!token || !rejected(e)) throw e;
    forget(c, token);
    return fn();
  }
}

// The reader's moods for every mood box of a site on the page, in one private call.
const asked = {};
function myMood(c) {
  const token = load(c.key).t;
  if (!token) return null;
  let q = asked[c.key];
  if (!q) {
    q = asked[c.key] = { ids: new Set() };
    q.done = Promise.resolve().then(async () => { // once this turn's hosts are all asked
      delete asked[c.key];
      const ids = [...q.ids], out = {};
      for (let i = 0; i < ids.length; i += 100) {
        const list = ids.slice(i, i + 100).map(encodeURIComponent);
        Object.assign(out, (await call(c.base, "GET", `/v1/sites/${c.site}/reactions/mine?articles=${list}`, { token })).mine);
      }
      return out;
    }).catch((e) => (rejected(e) && forget(c, token), null));
  }
  q.ids.add(c.article);
  return q.done.then((out) => (out ? out[c.article] : load(c.key).m?.[c.article]?.[0]) ?? null);
}

// -- styles and strings --------------------------------------------------------------------
const once = {};
const asset = (name, make) => (once[name] ||= make(X.url(name)));

/** Adopt the named stylesheets into a shadow root (a <link> without adoptedStyleSheets). */
async function style(root, names) {
  for (const name of names) {
    const sheet = await asset(name, async (url) => {
      if (!root.adoptedStyleSheets) return null;
      const s = new CSSStyleSheet();
      s.replaceSync(await (await fetch(url)).text());
      return s;
    }).catch(() => null);
    if (sheet) root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
    else {
      const link = attr(h("link"), { rel: "stylesheet", href: X.url(name) });
      await new Promise((ok) => {
        link.onload = link.onerror = ok;
        root.prepend(link);
      });
    }
  }
}

/** The strings of a part (core, or a module kind) in `lang`; the loader starts the page's. */
function strings(part, lang) {
  const name = `i18n/${part}/${lang}.json`, i18n = (X.i18n ||= {});
  if (!X.assets[name]) return {};
  return (i18n[name] ||= fetch(X.url(name)).then((r) => r.json()).catch(() => null))
    .then((s) => s || (delete i18n[name], Promise.reject(new Fail("network"))));
}

// -- the kinds ---------------------------------------------------------------------------------
/** The box's title, labelling `group` (ids are scoped to the shadow root). */
function titled(c, text, group) {
  attr(group, { "aria-labelledby": "xq-title" });
  c.box.append(attr(h("h2", "title", text), { id: "xq-title" }));
}

/** Buttons in a labelled group; a click calls pick(key of the button) */
function choices(c, cls, items, make, pick) {
  const group = attr(h("div", cls), { role: "group" });
  const buttons = items.map((it) => {
    const b = make(it);
    b.key = b.dataset.key = it.key;
    b.label = it.label;
    return b;
  });
  group.onclick = (e) => {
    const b = e.target.closest("button");
    if (b) pick(b);
  };
  group.append(...buttons);
  return [group, buttons];
}

async function mood(c) {
  const { t, lang } = c;
  const [d, mine] = await Promise.all([
    get(c.base, `${c.path}/reactions?lang=${c.apiLang}`, { fresh: c.recent() }), myMood(c), c.ready]);
  const st = { counts: d.counts, mine, busy: false };
  const sum = h("p", "sum"), note = c.live();
  const [group, buttons] = choices(c, "moods", d.moods, (m) => button("m",
    attr(h("span", "e", m.emoji), { "aria-hidden": true }), h("span", "l", m.label), h("span", "n"),
    h("span", "bar", h("i")), h("span", "p")), (b) => pick(b.key));
  const draw = () => {
    const total = Object.values(st.counts).reduce((a, b) => a + b, 0);
    for (const b of buttons) {
      const n = st.counts[b.key] || 0, pct = total ? Math.round((n * 100) / total) + "%" : "0%";
      attr(b, { "aria-pressed": st.mine === b.key, "aria-disabled": st.busy });
      b.querySelector(".n").textContent = fmt(n, lang);
      b.querySelector(".p").textContent = pct;
      b.querySelector("i").style.width = pct;
    }
    sum.textContent = fill(t.voters, { n: fmt(total, lang) });
  };
  const pick = async (key) => {
    if (st.busy) return;
    const before = { ...st.counts }, previous = st.mine, next = previous === key ? null : key;
    if (previous) st.counts[previous]--;
    if (next) st.counts[next] = (st.counts[next] || 0) + 1;
    Object.assign(st, { mine: next, busy: true });
    draw();
    try {
      const r = await asReader(c, (token) => call(c.base, next ? "PUT" : "DELETE",
        `${c.path}/reactions/mine?lang=${c.apiLang}`, { token, body: next && { mood: next } }));
      Object.assign(st, { counts: r.counts, mine: r.mine });
      remember(c, r.mine);
      note.textContent = r.mine ? fill(t.picked, { x: buttons.find((b) => b.key === r.mine).label }) : t.retracted;
      c.emit("vote", { mood: r.mine, previous, counts: r.counts, total: r.total });
    } catch (e) {
      Object.assign(st, { counts: before, mine: previous });
      note.textContent = errorText(e, t);
      await sleep(e.wait * 1000); // a 429 keeps the buttons inert until Retry-After
    }
    st.busy = false;
    draw();
  };
  titled(c, t.mood, group);
  draw();
  c.box.append(group, sum, note);
}

const WECHAT = /MicroMessenger/i.test(navigator.userAgent);
const OUT = {
  weibo: "https://service.weibo.com/share/share.php?url={u}&title={x}",
  qq: "https://connect.qq.com/widget/shareqq/index.html?url={u}&title={x}",
  qzone: "https://sns.qzone.qq.com/cgi-bin/qzshare/cgi_qzshare_onekey?url={u}&title={x}",
};

async function share(c) {
  const { t, lang, host } = c;
  const [d] = await Promise.all([get(c.base, `${c.path}/shares?lang=${c.apiLang}`), c.ready]);
  const url = safeUrl(host.dataset.url) || D.querySelector("link[rel=canonical]")?.href || location.href;
  const title = host.dataset.title || D.title, counts = d.counts, note = c.live();
  // Inside WeChat only its own menu can share: show the 点击右上角 hint as its pages do.
  const hint = () => {
    const back = c.root.activeElement, close = button("close", t.close);
    const mask = attr(h("div", "mask", h("p", "", h("span", "arrow", "↗"), " ", t.wxHint), close),
      { role: "dialog", "aria-modal": true, "aria-label": t.wxHint });
    const shut = () => (mask.remove(), back?.focus());
    close.onclick = shut;
    mask.onkeydown = (e) => e.key === "Escape" && shut();
    c.box.append(mask);
    close.focus();
  };
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(url);
      note.textContent = t.copied;
    } catch {
      const field = attr(h("input", "url"), { readonly: "", "aria-label": t.copy });
      field.value = url;
      note.replaceChildren(t.copy, " ", field);
      field.select();
    }
  };
  const [row, buttons] = choices(c, "chs", d.channels, (ch) => button("ch", h("span", "l", ch.label), " ", h("span", "n")), (b) => {
    const key = b.key, wx = key === "wechat" || key === "moments";
    note.textContent = "";
    if (wx && WECHAT) hint();
    else if (OUT[key]) W.open(fill(OUT[key], { u: encodeURIComponent(url), x: encodeURIComponent(title) }), "_blank", "noopener");
    else if ((wx || key === "native") && navigator.share) navigator.share({ url, title }).catch(() => {});
    else copy();
    maybeReader(c, (token) => call(c.base, "POST", `${c.path}/shares`, { token, body: { channel: key } })).then((r) => {
      Object.assign(counts, r.counts);
      draw();
      note.textContent ||= fill(t.shared, { x: b.label });
      c.emit("share", { channel: key, counted: r.counted, counts: r.counts, total: r.total });
    }, (e) => (note.textContent = errorText(e, t)));
  });
  const draw = () => buttons.forEach((b) => (b.lastChild.textContent = fmt(counts[b.key] || 0, lang)));
  titled(c, t.share, row);
  draw();
  c.box.append(row, note);
}

async function rank(c) {
  const { t, lang, host } = c, ds = host.dataset;
  const windows = (ds.windows || "24h,7d,30d").split(",").filter((w) => WINDOWS.includes(w));
  let win = ds.window || windows[0], key, d, buttons;
  if (!windows.includes(win)) windows.unshift(win);
  const q = new URLSearchParams({ limit: Math.min(20, Math.max(1, +ds.limit || 5)), lang: c.apiLang, ...(ds.channel && { channel: ds.channel }) });
  const panel = h("div", "panel"), more = h("a", "more", t.more);
  const pick = attr(h("select", "win"), { "aria-label": t.period });
  for (const w of windows) pick.append(new Option(t.windows[w], w, false, w === win));
  const draw = () => {
    const m = d.moods.find((m) => m.key === key) || d.moods[0];
    if (!m) return; // a site without moods
    key = m.key;
    buttons.forEach((b) => attr(b, { "aria-pressed": b.key === key }));
    panel.replaceChildren(m.items.length ? h("ol", "list", m.items.map((it) => {
      const href = safeUrl(it.meta?.url), link = h(href ? "a" : "span", "ttl", it.meta?.title || it.article);
      if (href) link.href = href;
      return h("li", "", h("span", "no", "" + it.rank), link, h("span", "sc", fmt(it.score, lang)));
    })) : h("p", "empty", t.empty));
    const page = new URLSearchParams({ by: key, window: win, ...(ds.channel && { channel: ds.channel }), ...(lang === "en" && { lang }) });
    more.href = `${c.base}/s/${c.site}/rankings?${page}`;
  };
  const load = (fresh) => get(c.base, `/v1/sites/${c.site}/rankings/moods?${q}&window=${win}`, { fresh }).then((got) => (d = got));
  const reload = (fresh) => load(fresh).then(draw, (e) => panel.replaceChildren(h("p", "empty", errorText(e, t))));
  pick.onchange = () => {
    win = pick.value;
    reload();
  };
  // After a vote on this page, show the ranking it changed (not a cached copy).
  c.on(D, "xinqing:vote", (e) => e.detail.base === c.base && e.detail.site === c.site && reload(true));
  await Promise.all([load(), c.ready]);
  const [tabs, made] = choices(c, "tabs", d.moods, (m) => button("tab", attr(h("span", "e", m.emoji), { "aria-hidden": true }), m.label), (b) => {
    key = b.key;
    draw();
  });
  buttons = made;
  titled(c, t.rank, tabs);
  draw();
  c.box.append(h("div", "head", tabs, pick), panel, more);
}

async function views(c) {
  const [d] = await Promise.all([maybeReader(c, (token) => call(c.base, "POST", `${c.path}/views`, { token })), c.ready]);
  c.box.append(fill(c.t.views, { n: fmt(d.pv, c.lang) }));
}

/** What a module kind gets as c.lib (it cannot import the core: the file names are hashed). */
const LIB = { h, attr, button, fill, fmt, errorText, safeUrl, call, get, asReader };

/** The host kinds: data-xinqing="<key>". `article`: the kind needs data-article. */
const KINDS = {
  mood: { render: mood, article: true },
  share: { render: share, article: true },
  rank: { render: rank },
  views: { render: views, article: true },
  comments: { module: "comments", article: true, lazy: true },
  related: { module: "reading", article: true, lazy: true },
  feed: { module: "reading", lazy: true },
};

// -- mounting ----------------------------------------------------------------------------------
const mounted = new Map(); // host element -> its instance
const warned = new WeakMap();

function warn(el, text) {
  const seen = warned.get(el) || new Set();
  if (!seen.has(text)) console.warn(`xinqing: ${text}, nothing rendered`, el);
  warned.set(el, seen.add(text));
}

/** What a host's attributes ask for, besides its theme (pure CSS). */
const signature = (el) => JSON.stringify({ ...el.dataset, theme: 0 });

function check(ds) {
  const spec = KINDS[ds.xinqing];
  if (!spec) return `unknown data-xinqing="${ds.xinqing}"`;
  if (!SITE.test(ds.site || "")) return "bad data-site";
  if (spec.article && !ARTICLE.test(ds.article || "")) return "bad data-article";
  if (ds.api && !safeUrl(ds.api)) return "bad data-api (an http(s) URL)";
  if (ds.window && !WINDOWS.includes(ds.window)) return "bad data-window (" + WINDOWS + ")";
  if (ds.channel && !CHANNEL.test(ds.channel)) return "bad data-channel";
}

function context(el, inst, root) {
  const ds = el.dataset, lang = langOf(el);
  const base = (ds.api || X.base).replace(/\/$/, ""), key = `xinqing:${base}|${ds.site}`;
  const c = {
    host: el, root, kind: ds.xinqing, base, site: ds.site, article: ds.article, key, lang, lib: LIB,
    apiLang: ["en", "zh-TW"].includes(lang) ? lang : "zh-CN",
    path: `/v1/sites/${ds.site}/articles/${encodeURIComponent(ds.article)}`,
    record: () => load(key),
    // Whether this reader wrote here lately: then a cached public answer may predate it.
    recent: () => Date.now() - (load(key).m?.[ds.article]?.[1] || 0) < 60000,
    touch: () => remember(c),
    emit: (name, detail) => inst.alive && el.dispatchEvent(new CustomEvent("xinqing:" + name, {
      bubbles: true, composed: true, detail: { base, site: ds.site, article: ds.article, ...detail } })),
    on: (target, type, fn) => {
      target.addEventListener(type, fn);
      inst.off.push(() => target.removeEventListener(type, fn));
    },
    live: () => attr(h("p", "note"), { role: "status" }),
  };
  return c;
}

const near = W.IntersectionObserver && new IntersectionObserver((entries) => {
  for (const e of entries) {
    const inst = e.isIntersecting && mounted.get(e.target);
    if (inst) {
      near.unobserve(e.target);
      run(inst);
    }
  }
}, { rootMargin: "600px 0px" });

async function run(inst) {
  const { c, spec } = inst, mod = spec.module;
  const box = (c.box = attr(h("div", "xq " + c.kind), { lang: c.lang }));
  c.root.replaceChildren(box);
  c.ready = style(c.root, ["core.css", ...(X.assets[mod + ".css"] ? [mod + ".css"] : [])]);
  try {
    const [render, a, b] = await Promise.all([
      spec.render || import(X.url(mod + ".js")).then((m) => m.render),
      strings("core", c.lang), mod && strings(mod, c.lang)]);
    c.t = { ...a, ...b, err: { ...a.err, ...b?.err } };
    if (inst.alive) await render(c);
  } catch (e) {
    if (!inst.alive || c.box !== box) return;
    if (!(e instanceof Fail)) console.warn("xinqing:", e);
    await c.ready;
    const { down, retry } = c.t || DOWN, again = button("retry", retry);
    again.onclick = () => run(inst);
    box.replaceChildren(h("p", "down", down, " ", again));
  }
}

function mount(el) {
  if (!el) return scan();
  const old = mounted.get(el);
  if (old?.sig === signature(el)) return;
  unmount(el);
  const problem = check(el.dataset);
  if (problem) return warn(el, problem);
  let root;
  try {
    root = el.shadowRoot || el.attachShadow({ mode: "open" });
  } catch {
    return warn(el, `<${el.localName}> cannot hold the widget (use a <div>)`);
  }
  const spec = KINDS[el.dataset.xinqing], inst = { sig: signature(el), spec, alive: true, off: [] };
  inst.c = context(el, inst, root);
  mounted.set(el, inst);
  spec.lazy && near ? near.observe(el) : run(inst);
}

function unmount(el) {
  const inst = mounted.get(el);
  if (!inst) return;
  mounted.delete(el);
  inst.alive = false;
  inst.off.forEach((off) => off());
  near?.unobserve(el);
  el.shadowRoot.replaceChildren();
}

function refresh(el) {
  if (el?.hasAttribute("data-xinqing-count")) return counts([el]);
  if (el) {
    unmount(el);
    return mount(el);
  }
  [...mounted.keys()].forEach(refresh);
  counts(D.querySelectorAll("[data-xinqing-count]"));
}

// Count spans: count.js does the work (it is also /xinqing-count.js on its own).
function counts(spans) {
  if (spans.length) asset("count.js", (url) => import(url)).then(() => X.counts(spans, X.base), () => {});
}

function scan() {
  D.querySelectorAll("[data-xinqing]").forEach((el) => mount(el));
  counts(D.querySelectorAll("[data-xinqing-count]"));
}

// The single-page-app path: hosts added, removed or changed are mounted, unmounted or
// re-rendered; count spans added or changed are filled (one batched call).
let hosts = new Set(), spans = new Set(), queued;

function flush() {
  queued = false;
  for (const el of mounted.keys()) if (!el.isConnected) unmount(el);
  hosts.forEach((el) => el.isConnected && (el.hasAttribute("data-xinqing") ? mount(el) : unmount(el)));
  counts([...spans].filter((el) => el.isConnected && el.hasAttribute("data-xinqing-count")));
  hosts = new Set();
  spans = new Set();
}

function collect(el) {
  if (el.hasAttribute("data-xinqing") || mounted.has(el)) hosts.add(el);
  if (el.hasAttribute("data-xinqing-count")) spans.add(el);
}

new MutationObserver((records) => {
  for (const r of records) {
    if (r.type === "attributes") collect(r.target);
    else r.addedNodes.forEach((n) => n.nodeType === 1 && [n, ...n.querySelectorAll("[data-xinqing],[data-xinqing-count]")].forEach(collect));
  }
  if (!queued) queueMicrotask(flush);
  queued = true;
}).observe(D.documentElement, {
  subtree: true, childList: true, attributes: true,
  attributeFilter: ["data-xinqing", "data-site", "data-article", "data-api", "data-lang", "data-window",
    "data-windows", "data-channel", "data-limit", "data-url", "data-title", "data-sort", "data-images", "data-xinqing-count"],
});

// A vote also updates the page's count spans of that article.
D.addEventListener("xinqing:vote", (e) => {
  const { base, site, article, counts: byMood, total } = e.detail;
  for (const el of D.querySelectorAll("[data-xinqing-count]")) {
    const ds = el.dataset, value = ds.xinqingCount === "reactions" ? total : byMood[ds.xinqingCount];
    if (ds.site === site && ds.article === article && value != null && (ds.api || X.base).replace(/\/$/, "") === base) {
      el.textContent = fmt(value, langOf(el));
    }
  }
});

const queue = X.queue || [];
delete X.queue;
Object.assign(X, { mount, unmount, refresh });
D.readyState === "loading" ? D.addEventListener("DOMContentLoaded", scan) : scan();
for (const [name, el] of queue) X[name](el);
