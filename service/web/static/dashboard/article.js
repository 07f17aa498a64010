/* One article: its meta and counts (GET …/articles/{id}), the mood timeline per hour or day
 * (GET …/timeline) as stacked bars with the same numbers in a table, shares per channel,
 * and takedown after a confirmation. */
(function () {
  "use strict";

  const D = window.xqDashboard;
  const { $, el } = D;
  let current = "";

  function meta(article, info) {
    const m = info.meta || {};
    const list = D.clear($("#article-meta"));
    const add = (term, ...value) => list.append(el("dt", {}, term), el("dd", {}, ...value));
    add("ID", article);
    add("标题", m.title || "（未同步）");
    add("链接", m.url ? el("a", { href: m.url, target: "_blank", rel: "noopener noreferrer" }, m.url) : "—");
    add("频道", m.channel || "—");
    add("发布时间", m.published_at ? D.time(m.published_at) : "—");
    add("状态", m.taken_down ? el("strong", { class: "danger-text", dataset: { takenDown: "1" } },
      "已下线 " + D.time(m.taken_down_at)) : "正常");
    $("#takedown").hidden = Boolean(m.taken_down);
  }

  function counts(info) {
    const moods = (D.settings && D.settings.moods) || [];
    const list = D.clear($("#article-counts"));
    for (const m of moods) {
      list.append(el("li", { dataset: { mood: m.key } }, `${m.emoji || ""} ${D.label(m)} `,
        el("strong", { dataset: { value: info.reactions.counts[m.key] || 0 } },
          D.num(info.reactions.counts[m.key] || 0))));
    }
    list.append(el("li", {}, "心情合计 ", el("strong", {}, D.num(info.reactions.total))),
      el("li", {}, "浏览 ", el("strong", {}, D.num(info.views.pv)), el("span", { class: "muted" },
        `（约 ${D.num(info.views.uv)} 人）`)),
      el("li", {}, "评论 ", el("strong", {}, D.num(info.comments.count))),
      el("li", {}, "分享 ", el("strong", {}, D.num(info.shares.total))));
    const channels = (D.settings && D.settings.share_channels) || [];
    const tbody = D.clear($("#article-shares tbody"));
    for (const c of channels) {
      tbody.append(el("tr", {}, el("td", {}, D.label(c)),
        el("td", { class: "num" }, D.num(info.shares.counts[c.key] || 0))));
    }
  }

  async function timeline() {
    const granularity = $("#timeline-granularity").value;
    const body = await D.api(`articles/${encodeURIComponent(current)}/timeline?granularity=${granularity}`);
    const series = body.moods.map((m, i) => ({ name: `${m.emoji || ""}${m.label}`, cls: "s" + (i % 8), key: m.key }));
    const label = (b) => granularity === "hour" ? D.hour(b.start) : D.day(b.start);
    const buckets = body.buckets.map((b) => ({ label: label(b),
                                               parts: series.map((s) => b.reactions.counts[s.key] || 0) }));
    const legend = D.clear($("#timeline-legend"));
    series.forEach((s) => legend.append(el("span", { class: "key bar-key " + s.cls }), s.name + " "));
    D.stackedBars($("#timeline-chart"), `每${granularity === "hour" ? "小时" : "天"}的心情（按投票时间）`,
      series, buckets, granularity === "hour" ? 8 : 5);
    const table = $("#timeline-table");
    D.clear(table.tHead).append(el("tr", {}, el("th", { scope: "col" }, "时间"),
      series.map((s) => el("th", { scope: "col", class: "num" }, s.name)),
      el("th", { scope: "col", class: "num" }, "分享"), el("th", { scope: "col", class: "num" }, "浏览"),
      el("th", { scope: "col", class: "num" }, "评论")));
    const tbody = D.clear(table.tBodies[0]);
    for (const b of body.buckets.slice().reverse()) {
      if (!b.reactions.total && !b.shares && !b.views && !b.comments) continue;
      tbody.append(el("tr", { dataset: { start: b.start } }, el("th", { scope: "row" }, label(b)),
        series.map((s) => el("td", { class: "num", dataset: { mood: s.key } }, String(b.reactions.counts[s.key] || 0))),
        el("td", { class: "num" }, String(b.shares)), el("td", { class: "num" }, String(b.views)),
        el("td", { class: "num" }, String(b.comments))));
    }
  }

  async function load(article) {
    current = article;
    $("#article-id").value = article;
    const error = $("#article-error");
    error.hidden = true;
    let info;
    try {
      info = await D.api("articles/" + encodeURIComponent(article));
    } catch (err) {
      if (err.status === 400 || err.status === 404) {
        error.textContent = "找不到这篇文章：" + D.reason(err);
        error.hidden = false;
        $("#article-body").hidden = true;
        return;
      }
      throw err;
    }
    meta(article, info);
    counts(info);
    $("#article-body").hidden = false;
    await timeline();
  }

  async function takedown() {
    const ok = await D.confirm("下线这篇文章？", `文章 ${current} 将退出所有排行，评论不再公开显示。此操作不可撤销。`, "确认下线");
    if (!ok) return;
    try {
      await D.api("articles/" + encodeURIComponent(current), { method: "DELETE" });
      D.announce("文章已下线");
      await load(current);
    } catch (err) {
      D.announce("下线失败：" + D.reason(err));
      const error = $("#article-error");
      error.textContent = "下线失败：" + D.reason(err);
      error.hidden = false;
    }
  }

  D.views.article = {
    async show(route) {
      if (route.arg) await load(route.arg);
      else { $("#article-body").hidden = true; $("#article-id").focus(); }
    },
    init() {
      $("#article-form").addEventListener("submit", (event) => {
        event.preventDefault();
        const id = $("#article-id").value.trim();
        if (id) D.go("#/article/" + encodeURIComponent(id));
      });
      $("#timeline-granularity").addEventListener("change", () => timeline().catch(D.viewError));
      $("#takedown").addEventListener("click", takedown);
    },
  };
})();
