/* xinqing count spans: fills every <span data-xinqing-count="reactions|comments|pv|shares|<mood>"
 * data-site data-article> of a list page from one `articles?ids=` call per site and 100 ids.
 * On its own at /xinqing-count.js it fills the page once parsed; the widget's core loads it
 * too, and calls xinqing.counts(spans, base) for spans added later. A span keeps what the
 * page put in it until its number arrives (and if it never does).
 */
(() => {
  const x = (window.xinqing ||= {}), me = document.currentScript, formats = {};
  if (x.counts) return;
  const format = (el, n) => {
    const lang = el.dataset.lang || el.closest("[lang]")?.lang || "zh-CN";
    try { // Intl reads the page's own tag: zh-CN 1.2万, zh-TW 1.2萬, en 12K
      return (formats[lang] ||= new Intl.NumberFormat(lang, { notation: "compact", maximumFractionDigits: 1 })).format(n);
    } catch { // a malformed lang attribute
      return n;
    }
  };
  const pick = (item, what) => ({ reactions: item.reactions.total, comments: item.comments.count,
    pv: item.views.pv, shares: item.shares.total })[what] ?? item.reactions.counts[what];
  x.counts = (spans = document.querySelectorAll("[data-xinqing-count]"), base = x.countBase) => {
    const groups = {};
    for (const el of spans) {
      const { site, article, api } = el.dataset, from = (api || base).replace(/\/$/, "");
      if (/^[a-z0-9][a-z0-9-]{0,31}$/.test(site) && /^[A-Za-z0-9_.:-]{1,128}$/.test(article)) {
        (groups[from + " " + site] ||= [from, site, []])[2].push(el);
      } else console.warn("xinqing: bad data-site or data-article, nothing filled", el);
    }
    return Promise.all(Object.values(groups).map(async ([from, site, els]) => {
      const ids = [...new Set(els.map((el) => el.dataset.article))];
      for (let i = 0; i < ids.length; i += 100) {
        try {
          const r = await fetch(`${from}/v1/sites/${site}/articles?ids=${ids.slice(i, i + 100).map(encodeURIComponent)}`, { credentials: "omit" });
          const items = {};
          for (const item of (await r.json()).items) items[item.article] = item;
          for (const el of els) {
            const item = items[el.dataset.article], n = item && pick(item, el.dataset.xinqingCount);
            if (n != null) el.textContent = format(el, n);
          }
        } catch {} // unreachable or refused: the spans keep what they show
      }
    }));
  };
  if (me) {
    x.countBase = new URL(".", me.src).href.replace(/\/$/, "");
    document.readyState === "loading" ? addEventListener("DOMContentLoaded", () => x.counts()) : x.counts();
  }
})();
