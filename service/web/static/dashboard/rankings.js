/* 新闻表情排行: tabs per mood plus reactions, shares, views, comments and hot; windows;
 * channel filter; titles link to the article's page; CSV export of exactly the rows shown. */
(function () {
  "use strict";

  const D = window.xqDashboard;
  const { $, $$, el } = D;
  const FIXED = [["reactions", "心情合计"], ["shares", "分享"], ["views", "浏览"],
                 ["comments", "评论"], ["hot", "热度"]];
  let shown = null;   // {query, items} of the table on screen

  function tabs(by) {
    const moods = (D.settings && D.settings.moods) || [];
    const all = moods.map((m) => [m.key, `${m.emoji || ""} ${D.label(m)}`.trim()]).concat(FIXED);
    const bar = $("#rankings-tabs");
    const hadFocus = bar.contains(document.activeElement);
    D.clear(bar);
    for (const [key, name] of all) {
      bar.append(el("button", { type: "button", role: "tab", "aria-selected": key === by ? "true" : "false",
                                "aria-controls": "rankings-panel", tabindex: key === by ? "0" : "-1",
                                dataset: { by: key }, onclick: () => update({ by: key }) }, name));
    }
    if (hadFocus && bar.querySelector("[tabindex='0']")) bar.querySelector("[tabindex='0']").focus();
  }

  function update(changes) {
    const params = D.route().params;
    for (const [k, v] of Object.entries(changes)) {
      if (v) params.set(k, v); else params.delete(k);
    }
    D.go("#/rankings?" + params.toString());
  }

  function row(item, query) {
    const meta = item.meta || {};
    const title = meta.title || item.article;
    return el("tr", { dataset: { article: item.article } },
      el("td", {}, String(item.rank)),
      el("td", {},
        meta.url ? el("a", { href: meta.url, target: "_blank", rel: "noopener noreferrer" }, title)
          : el("span", {}, title),
        meta.title ? el("span", { class: "muted small" }, " " + item.article) : ""),
      el("td", {}, meta.channel || ""),
      el("td", { class: "num", title: D.exact(item.score) },
        query.by === "hot" ? D.exact(item.score) : D.num(item.score)),
      el("td", { class: "num" }, D.num(item.reactions.total)),
      el("td", {}, el("a", { href: "#/article/" + encodeURIComponent(item.article), class: "small" },
        "详情", el("span", { class: "visually-hidden" }, "：" + title))));
  }

  async function show(route) {
    const p = route.params;
    const query = { by: p.get("by") || "reactions", window: p.get("window") || "24h",
                    channel: p.get("channel") || "", limit: p.get("limit") || "20" };
    tabs(query.by);
    $("#rankings-window").value = query.window;
    $("#rankings-channel").value = query.channel;
    $("#rankings-limit").value = query.limit;
    const error = $("#rankings-error");
    error.hidden = true;
    const qs = new URLSearchParams({ by: query.by, window: query.window, limit: query.limit });
    if (query.channel) qs.set("channel", query.channel);
    let body;
    try {
      body = await D.api("rankings?" + qs.toString());
    } catch (err) {
      if (err.status === 422 || err.status === 400) {
        error.textContent = "筛选条件无效：" + D.reason(err);
        error.hidden = false;
        return;
      }
      throw err;
    }
    shown = { query, items: body.items };
    const tbody = D.clear($("#rankings-table tbody"));
    body.items.forEach((item) => tbody.append(row(item, query)));
    $("#rankings-empty").hidden = body.items.length > 0;
    const tab = $(`#rankings-tabs [data-by="${CSS.escape(query.by)}"]`);
    $("#rankings-caption").textContent = `${tab ? tab.textContent : query.by}，${query.window}`;
  }

  /** A CSV cell: quoted, and a leading = + - @ neutralised so no spreadsheet runs it. */
  function cell(value) {
    let text = value === null || value === undefined ? "" : String(value);
    if (/^[=+\-@\t\r]/.test(text)) text = "'" + text;
    return '"' + text.replace(/"/g, '""') + '"';
  }

  function exportCsv() {
    if (!shown) return;
    const moods = ((D.settings && D.settings.moods) || []).map((m) => m.key);
    const header = ["rank", "article", "title", "url", "channel", "score", "reactions", ...moods];
    const lines = [header.map(cell).join(",")];
    for (const item of shown.items) {
      const meta = item.meta || {};
      lines.push([item.rank, item.article, meta.title, meta.url, meta.channel, item.score,
                  item.reactions.total, ...moods.map((m) => item.reactions.counts[m] || 0)]
        .map(cell).join(","));
    }
    const q = shown.query;
    const name = `xinqing-${D.session.site}-${q.by}-${q.window}${q.channel ? "-" + q.channel : ""}.csv`;
    // A byte-order mark so spreadsheet programs read the Chinese titles as UTF-8.
    D.download(name, "\ufeff" + lines.join("\r\n") + "\r\n", "text/csv;charset=utf-8");
    D.announce(`已导出 ${shown.items.length} 行`);
  }

  D.views.rankings = {
    show,
    init() {
      $("#rankings-filter").addEventListener("submit", (event) => {
        event.preventDefault();
        update({ window: $("#rankings-window").value, channel: $("#rankings-channel").value.trim(),
                 limit: $("#rankings-limit").value });
      });
      $("#rankings-window").addEventListener("change", () => update({ window: $("#rankings-window").value }));
      $("#rankings-limit").addEventListener("change", () => update({ limit: $("#rankings-limit").value }));
      $("#rankings-csv").addEventListener("click", exportCsv);
      $("#rankings-tabs").addEventListener("keydown", (event) => {
        const list = $$("#rankings-tabs [role=tab]");
        const at = list.indexOf(document.activeElement);
        if (at < 0 || !["ArrowLeft", "ArrowRight"].includes(event.key)) return;
        const next = list[(at + (event.key === "ArrowRight" ? 1 : list.length - 1)) % list.length];
        next.focus();
        next.click();
      });
    },
  };
})();
