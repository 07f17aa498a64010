/* Overview: today against the previous 7 days' average (GET …/overview), activity per hour
 * for the last 48 hours against the 48 before, and the mood distribution of a window
 * (GET …/stats). */
(function () {
  "use strict";

  const D = window.xqDashboard;
  const { $, el } = D;
  const METRICS = [["reactions", "投票"], ["shares", "分享"], ["views", "浏览"], ["comments", "评论"]];
  let data = null;

  function card(key, name, today, average) {
    const diff = average ? (today - average) / average : null;
    const trend = diff === null ? "" : diff > 0.005 ? "up" : diff < -0.005 ? "down" : "flat";
    const sign = trend === "up" ? "↑" : trend === "down" ? "↓" : "→";
    return el("li", { class: "stat", dataset: { metric: key } },
      el("h2", { class: "stat-name" }, name + " · 今日"),
      el("p", { class: "stat-value", dataset: { value: today }, title: D.exact(today) }, D.num(today)),
      el("p", { class: "stat-compare" },
        "前 7 日日均 ",
        el("span", { dataset: { average: average } }, D.num(average)),
        diff === null ? "" : el("span", { class: "trend " + trend },
          ` ${sign} ${Math.abs(diff * 100).toFixed(0)}%`)));
  }

  function drawActivity() {
    if (!data) return;
    const metric = $("#activity-metric").value;
    const now = data.hours.map((h) => h[metric]);
    const before = data.previous_hours.map((h) => h[metric]);
    const name = $("#activity-metric").selectedOptions[0].textContent;
    const sum = (values) => values.reduce((a, v) => a + v, 0);
    $("#activity-now-total").textContent = D.num(sum(now));
    $("#activity-prev-total").textContent = D.num(sum(before));
    D.lineChart($("#activity-chart"), `每小时${name}：近 48 小时与之前 48 小时`,
      [{ name: "之前 48 小时", values: before, cls: "prev" },
       { name: "近 48 小时", values: now, cls: "now" }],
      data.hours.map((h) => D.hour(h.start)), 8);
  }

  async function loadMoods() {
    const window_ = $("#moods-window").value;
    const stats = await D.api("stats?window=" + window_);
    const rows = stats.moods.map((m, i) => ({
      label: `${m.emoji || ""} ${m.label}`.trim(), value: m.count, cls: "s" + (i % 8),
      note: `${D.num(m.count)}（${(m.ratio * 100).toFixed(1)}%）`,
    }));
    D.barChart($("#moods-chart"), `心情分布（${$("#moods-window").selectedOptions[0].textContent}）`, rows);
    $("#moods-chart").dataset.total = stats.totals.reactions;
  }

  async function show() {
    const [overview] = await Promise.all([D.api("overview"), loadMoods()]);
    data = overview;
    const list = D.clear($("#overview-cards"));
    for (const [key, name] of METRICS) {
      list.append(card(key, name, overview.today[key], overview.previous_average[key]));
    }
    $("#overview-when").textContent = `今日（${overview.timezone}）截至 ${D.time(overview.generated_at)}`;
    drawActivity();
  }

  D.views.overview = {
    show,
    init() {
      $("#activity-metric").addEventListener("change", drawActivity);
      $("#moods-window").addEventListener("change", () => loadMoods().catch(D.viewError));
    },
  };
})();
