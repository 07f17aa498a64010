/* Moderation: queues by status with live counts, approve / reject / spam / feature / ban,
 * keyboard shortcuts (j/k move, a/r/s/f act, b ban, x select, ? help), batch actions on a
 * selection; and the decision history (GET …/moderation/history). Comment text is shown
 * with textContent only. */
(function () {
  "use strict";

  const D = window.xqDashboard;
  const { $, $$, el } = D;
  const STATUSES = [["pending", "待审"], ["published", "已发布"], ["rejected", "已拒绝"], ["spam", "垃圾"]];
  // Which actions each status allows (the service's state machine; it still decides: 409).
  const ALLOWED = {
    approve: (c) => ["pending", "rejected", "spam"].includes(c.status),
    reject: (c) => ["pending", "published", "spam"].includes(c.status),
    spam: (c) => ["pending", "published", "rejected"].includes(c.status),
    feature: (c) => c.status === "published" && !c.featured,
    unfeature: (c) => c.status === "published" && c.featured,
  };
  const ACTION_NAMES = { approve: "通过", reject: "拒绝", spam: "标为垃圾", feature: "精选",
                         unfeature: "取消精选", ban: "封禁作者", delete: "删除", unban: "解除封禁",
                         takedown: "下线文章", reader_erased: "删除读者数据" };
  const KEYS = { a: "approve", r: "reject", s: "spam" };

  const state = { status: "pending", items: [], cursor: null, at: 0, selected: new Set(), counts: {} };
  let poll = null;

  // -- counts ------------------------------------------------------------------------------
  async function loadCounts() {
    const counts = await D.api("moderation/counts");
    state.counts = counts;
    for (const [status] of STATUSES) {
      const tab = $(`#queue-tabs [data-status="${status}"] .count`);
      if (tab) tab.textContent = D.num(counts[status]);
    }
    const badge = $("#nav-pending");
    badge.textContent = D.num(counts.pending);
    badge.hidden = !counts.pending;
    return counts;
  }

  function tabs() {
    const bar = D.clear($("#queue-tabs"));
    for (const [status, name] of STATUSES) {
      const selected = status === state.status;
      bar.append(el("button", { type: "button", role: "tab", "aria-selected": String(selected),
                                "aria-controls": "queue", tabindex: selected ? "0" : "-1",
                                dataset: { status },
                                onclick: () => D.go("#/moderation/" + status) },
        name, " ", el("span", { class: "count" }, state.counts[status] === undefined ? "" : D.num(state.counts[status]))));
    }
  }

  // -- the list ----------------------------------------------------------------------------
  function actionButton(comment, action, key) {
    return el("button", { type: "button", class: action === "spam" || action === "reject" ? "secondary" : "secondary",
                          dataset: { action }, onclick: () => act(comment.id, action) },
      ACTION_NAMES[action], key ? el("kbd", { class: "hint-key", "aria-hidden": "true" }, key) : "");
  }

  function item(comment, index) {
    const checked = state.selected.has(comment.id);
    const reasons = comment.hold_reasons || [];
    return el("li", { class: "item" + (index === state.at ? " current" : ""), id: "c-" + comment.id,
                      dataset: { id: comment.id, status: comment.status }, tabindex: "-1",
                      "aria-current": index === state.at ? "true" : null,
                      onclick: (event) => { if (!event.target.closest("button,a,input")) focusItem(index); } },
      el("div", { class: "item-head" },
        el("input", { type: "checkbox", checked, "aria-label": "选择这条评论",
                      onchange: (event) => toggle(comment.id, event.target.checked) }),
        el("strong", { class: "author" }, comment.author.name || "网友"),
        el("span", { class: "muted small" }, comment.author.ref),
        el("time", { datetime: comment.created_at, class: "muted small" }, D.time(comment.created_at)),
        el("a", { href: "#/article/" + encodeURIComponent(comment.article), class: "small" }, "文章 " + comment.article),
        comment.parent ? el("span", { class: "tag" }, "回复") : "",
        comment.featured ? el("span", { class: "tag good" }, "精选") : ""),
      el("p", { class: "body" }, comment.body),
      reasons.length ? el("p", { class: "reasons" }, "守则提示：" + reasons.join("；")) : "",
      el("div", { class: "item-actions" },
        ALLOWED.approve(comment) ? actionButton(comment, "approve", "a") : "",
        ALLOWED.reject(comment) ? actionButton(comment, "reject", "r") : "",
        ALLOWED.spam(comment) ? actionButton(comment, "spam", "s") : "",
        ALLOWED.feature(comment) ? actionButton(comment, "feature", "f") : "",
        ALLOWED.unfeature(comment) ? actionButton(comment, "unfeature", "f") : "",
        el("button", { type: "button", class: "ghost", dataset: { action: "ban" },
                       onclick: () => ban(comment) }, "封禁作者…",
           el("kbd", { class: "hint-key", "aria-hidden": "true" }, "b"))),
      el("p", { class: "item-error field-error", role: "alert", hidden: true }));
  }

  function render() {
    const list = D.clear($("#queue"));
    state.items.forEach((c, i) => list.append(item(c, i)));
    $("#queue-empty").hidden = state.items.length > 0;
    $("#queue-more").hidden = !state.cursor;
    updateSelection();
  }

  function focusItem(index, scroll) {
    if (!state.items.length) return;
    state.at = Math.max(0, Math.min(index, state.items.length - 1));
    $$("#queue .item").forEach((node, i) => {
      node.classList.toggle("current", i === state.at);
      if (i === state.at) node.setAttribute("aria-current", "true");
      else node.removeAttribute("aria-current");
    });
    const node = $$("#queue .item")[state.at];
    if (node) {
      node.focus({ preventScroll: !scroll });
      if (scroll) node.scrollIntoView({ block: "nearest" });
    }
  }

  async function loadQueue(more) {
    const qs = new URLSearchParams({ status: state.status, limit: "50" });
    if (more && state.cursor) qs.set("cursor", state.cursor);
    const page = await D.api("moderation?" + qs.toString());
    state.items = more ? state.items.concat(page.items) : page.items;
    state.cursor = page.next_cursor;
    if (!more) { state.at = 0; state.selected.clear(); }
    render();
  }

  // -- actions -----------------------------------------------------------------------------
  function itemError(id, text) {
    const node = document.getElementById("c-" + id);
    const error = node && node.querySelector(".item-error");
    if (error) { error.textContent = text; error.hidden = !text; }
  }

  /** Apply one action; true if it succeeded. Leaves the list in step with the answer. */
  async function apply(id, action) {
    try {
      const updated = await D.api(`comments/${encodeURIComponent(id)}/moderate`,
                                  { method: "POST", body: { action } });
      const index = state.items.findIndex((c) => c.id === id);
      if (index >= 0) {
        if (updated.status !== state.status) {
          state.items.splice(index, 1);
          state.selected.delete(id);
          if (state.at > index || state.at >= state.items.length) state.at = Math.max(0, state.at - (state.at > index ? 1 : 0));
          state.at = Math.min(state.at, Math.max(0, state.items.length - 1));
        } else {
          state.items[index] = updated;
        }
      }
      return { ok: true };
    } catch (err) {
      return { ok: false, reason: D.reason(err) };
    }
  }

  async function act(id, action) {
    const result = await apply(id, action);
    render();
    if (result.ok) {
      D.announce(`已${ACTION_NAMES[action]}`);
      focusItem(state.at);
    } else {
      itemError(id, `${ACTION_NAMES[action]}失败：${result.reason}`);
      focusItem(state.items.findIndex((c) => c.id === id));
    }
    loadCounts().catch(() => {});
  }

  async function batch(action) {
    const ids = Array.from(state.selected);
    if (!ids.length) {
      showResult("请先选择评论（复选框或 x 键）。");
      return;
    }
    const failures = [];
    for (const id of ids) {
      const result = await apply(id, action);
      if (!result.ok) failures.push(`${id}：${result.reason}`);
    }
    render();
    const done = ids.length - failures.length;
    showResult(`${ACTION_NAMES[action]}：${done} 条成功` +
               (failures.length ? `，${failures.length} 条失败（${failures.join("；")}）` : ""));
    focusItem(state.at);
    loadCounts().catch(() => {});
  }

  async function ban(comment) {
    const extra = el("div", { class: "field-row" },
      el("label", { class: "field" }, "原因（可选）", el("input", { id: "ban-reason", maxlength: "200" })),
      el("label", { class: "field" }, "期限",
        el("select", { id: "ban-days" }, el("option", { value: "1" }, "1 天"),
          el("option", { value: "7" }, "7 天"), el("option", { value: "30", selected: true }, "30 天"),
          el("option", { value: "" }, "永久"))));
    const ok = await D.confirm("封禁这位作者？", `作者“${comment.author.name || "网友"}”将不能在本站发表评论。`, "封禁", extra);
    if (!ok) { focusItem(state.at); return; }
    const days = $("#ban-days").value;
    const body = { reason: $("#ban-reason").value.trim() || null, days: days ? Number(days) : null };
    try {
      await D.api(`comments/${encodeURIComponent(comment.id)}/ban`, { method: "POST", body });
      showResult(`已封禁作者 ${comment.author.ref}`);
    } catch (err) {
      itemError(comment.id, "封禁失败：" + D.reason(err));
    }
    focusItem(state.at);
  }

  function showResult(text) {
    const node = $("#moderation-result");
    node.textContent = text;
    node.hidden = false;
  }

  // -- selection ---------------------------------------------------------------------------
  function toggle(id, on) {
    if (on) state.selected.add(id); else state.selected.delete(id);
    updateSelection();
  }

  function updateSelection() {
    const n = state.selected.size;
    $("#selected-count").textContent = n ? `已选 ${n} 条` : "未选择";
    $("#select-all").checked = n > 0 && n === state.items.length;
    $$("#queue .item").forEach((node) => {
      node.querySelector("input[type=checkbox]").checked = state.selected.has(node.dataset.id);
    });
  }

  // -- keyboard ----------------------------------------------------------------------------
  function onKey(event) {
    if ($("#view-moderation").hidden || document.querySelector("dialog[open]")) return;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (target.closest && target.closest("input:not([type=checkbox]),textarea,select")) return;
    const key = event.key;
    const current = state.items[state.at];
    if (key === "?") { event.preventDefault(); $("#help").showModal(); return; }
    if (key === "j") { event.preventDefault(); focusItem(state.at + 1, true); return; }
    if (key === "k") { event.preventDefault(); focusItem(state.at - 1, true); return; }
    if (!current) return;
    if (KEYS[key]) {
      event.preventDefault();
      if (ALLOWED[KEYS[key]](current)) act(current.id, KEYS[key]);
      else itemError(current.id, `这条评论现在不能${ACTION_NAMES[KEYS[key]]}`);
    } else if (key === "f") {
      event.preventDefault();
      const action = current.featured ? "unfeature" : "feature";
      if (ALLOWED[action](current)) act(current.id, action);
      else itemError(current.id, "只有已发布的评论能精选");
    } else if (key === "b") {
      event.preventDefault();
      ban(current);
    } else if (key === "x") {
      event.preventDefault();
      toggle(current.id, !state.selected.has(current.id));
    }
  }

  // -- the decision history ----------------------------------------------------------------
  const history = { cursor: null };
  const ACTORS = { editor: "编辑", admin: "管理员", cli: "命令行" };

  function historyRow(entry) {
    const notes = [];
    if (entry.status) notes.push("状态 " + entry.status);
    if (entry.until) notes.push("至 " + D.time(entry.until));
    if (entry.action === "ban" && !entry.until) notes.push("永久");
    if (entry.reason) notes.push("原因：" + entry.reason);
    return el("tr", { dataset: { action: entry.action, id: entry.id } },
      el("td", {}, el("time", { datetime: entry.at }, D.time(entry.at))),
      el("td", {}, ACTION_NAMES[entry.action] || entry.action),
      el("td", { dataset: { actor: entry.actor } }, ACTORS[entry.actor] || entry.actor),
      el("td", {}, entry.comment || ""),
      el("td", {}, entry.article ? el("a", { href: "#/article/" + encodeURIComponent(entry.article) }, entry.article) : ""),
      el("td", {}, entry.author || ""),
      el("td", {}, notes.join("，")));
  }

  async function loadHistory(more) {
    const qs = new URLSearchParams({ limit: "50" });
    if (more && history.cursor) qs.set("cursor", history.cursor);
    const page = await D.api("moderation/history?" + qs.toString());
    const tbody = $("#history-table tbody");
    if (!more) D.clear(tbody);
    page.items.forEach((entry) => tbody.append(historyRow(entry)));
    history.cursor = page.next_cursor;
    $("#history-more").hidden = !history.cursor;
    $("#history-empty").hidden = tbody.children.length > 0;
  }

  // -- views -------------------------------------------------------------------------------
  function stopPolling() {
    if (poll) window.clearInterval(poll);
    poll = null;
  }

  D.views.moderation = {
    async show(route) {
      const status = STATUSES.some(([s]) => s === route.arg) ? route.arg : "pending";
      state.status = status;
      $("#moderation-result").hidden = true;
      tabs();
      await Promise.all([loadCounts(), loadQueue(false)]);
      focusItem(0);
      stopPolling();
      // Live counts while the queue is on screen (and the tab visible).
      poll = window.setInterval(() => {
        if ($("#view-moderation").hidden || !D.session) { stopPolling(); return; }
        if (document.visibilityState === "visible") loadCounts().catch(() => {});
      }, 15000);
    },
    init() {
      document.addEventListener("keydown", onKey);
      $("#shortcuts").addEventListener("click", () => $("#help").showModal());
      $("#queue-more").addEventListener("click", () => loadQueue(true).catch(D.viewError));
      $("#select-all").addEventListener("change", (event) => {
        state.selected = new Set(event.target.checked ? state.items.map((c) => c.id) : []);
        updateSelection();
      });
      $$("[data-batch]").forEach((b) => b.addEventListener("click", () => batch(b.dataset.batch)));
    },
    counts: loadCounts,
  };

  D.views.history = {
    show: () => loadHistory(false),
    init() {
      $("#history-more").addEventListener("click", () => loadHistory(true).catch(D.viewError));
    },
  };
})();
