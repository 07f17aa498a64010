/* Boot: sign-in (editor token for a site, or the admin token, which also lists sites), the
 * header (site switch, theme, sign-out) and the hash router that shows one view at a time. */
(function () {
  "use strict";

  const D = window.xqDashboard;
  const { $, $$, el } = D;
  const THEMES = [["auto", "跟随系统"], ["light", "浅色"], ["dark", "深色"]];

  // -- theme (a display preference, not a secret: localStorage is fine) --------------------
  function applyTheme(name) {
    document.documentElement.dataset.theme = name;
    $("#theme").textContent = "主题：" + THEMES.find(([n]) => n === name)[1];
  }
  function nextTheme() {
    const at = THEMES.findIndex(([n]) => n === (document.documentElement.dataset.theme || "auto"));
    const name = THEMES[(at + 1) % THEMES.length][0];
    try { window.localStorage.setItem("xinqing.theme", name); } catch (e) { /* private mode */ }
    applyTheme(name);
  }

  // -- sign-in -----------------------------------------------------------------------------
  function showSignIn(message) {
    $("#top").hidden = true;
    $$(".view").forEach((v) => { v.hidden = true; });
    $("#signin").hidden = false;
    const note = $("#signin-message");
    note.textContent = message || "";
    note.hidden = !message;
    $("#signin-token").value = "";
    document.title = "登录 · 心情编辑后台";
    $("#signin-site").focus();
  }

  async function adminSites(token) {
    try {
      const body = await D.api("/v1/admin/sites", { token, signin: true });
      return body.items;
    } catch (err) {
      if (err.status === 401 || err.status === 403) return null;   // not the admin token
      throw err;
    }
  }

  async function signIn(event) {
    event.preventDefault();
    const site = $("#signin-site").value.trim();
    const token = $("#signin-token").value.trim();
    const note = $("#signin-message");
    const fail = (text) => { note.textContent = text; note.hidden = false; $("#signin-token").focus(); };
    if (!token) return fail("请输入令牌。");
    if (site && !/^[a-z0-9][a-z0-9-]{0,31}$/.test(site)) return fail("站点 ID 只能是小写字母、数字和连字符。");
    try {
      // Editor tokens are issued as "xqe_…"; anything else may be the operator's token.
      const sites = token.startsWith("xqe_") ? null : await adminSites(token);
      const chosen = site || (sites && sites.length ? sites[0].site : "");
      if (!chosen) {
        return fail(sites ? "还没有任何站点。" : "请填写站点 ID（编辑令牌只对一个站点有效）。");
      }
      const settings = await D.api("settings", { token, site: chosen, signin: true });
      D.saveSession({ site: chosen, token, admin: Boolean(sites), sites: sites || [],
                      timezone: settings.timezone });
      D.settings = settings;
      start();
    } catch (err) {
      if (err.status === 401) return fail("令牌不对：它不是这个站点的编辑令牌，也不是管理令牌。");
      if (err.status === 404) return fail(`没有站点“${site}”。`);
      return fail("登录失败：" + D.reason(err));
    }
  }

  // -- the signed-in shell -----------------------------------------------------------------
  function header() {
    const s = D.session;
    $("#site-name").textContent = s.site;
    $("#who").textContent = s.admin ? "管理员" : "编辑";
    const select = $("#site-select");
    select.hidden = !s.admin;
    $(".site-label").hidden = !s.admin;
    $("#site-name").hidden = s.admin;
    if (s.admin) {
      D.clear(select);
      for (const item of s.sites) {
        select.append(el("option", { value: item.site, selected: item.site === s.site }, item.site));
      }
    }
  }

  async function switchSite() {
    const site = $("#site-select").value;
    document.body.dataset.ready = "";
    try {
      const settings = await D.api("settings", { site });
      D.saveSession({ ...D.session, site, timezone: settings.timezone });
      D.settings = settings;
      header();
      render();
    } catch (err) {
      D.viewError(err);
    }
  }

  D.viewError = function (err) {
    if (!D.session) return;   // a 401 already went back to sign-in
    if (err && err.status === 0) return;   // the banner says it
    D.announce("出错了：" + D.reason(err));
    const view = $$(".view").find((v) => !v.hidden);
    if (!view) return;
    let box = view.querySelector(".view-error");
    if (!box) {
      box = el("p", { class: "view-error field-error", role: "alert" });
      view.querySelector(".view-head").after(box);
    }
    box.textContent = "出错了：" + D.reason(err);
  };

  let rendering = 0;
  async function render() {
    if (!D.session) return;
    const route = D.route();
    const view = D.views[route.name] ? route.name : "overview";
    $$(".view").forEach((v) => { v.hidden = v.dataset.view !== view; });
    $$(".view-error").forEach((n) => n.remove());
    $$("[data-nav]").forEach((a) => {
      if (a.dataset.nav === view) a.setAttribute("aria-current", "page");
      else a.removeAttribute("aria-current");
    });
    const heading = $(`#view-${view} h1`);
    document.title = `${heading ? heading.textContent : ""} · ${D.session.site} · 心情编辑后台`;
    const ticket = ++rendering;
    try {
      if (!D.settings) D.settings = await D.api("settings");
      await D.views[view].show(route);
      if (ticket === rendering) document.body.dataset.ready = view;
    } catch (err) {
      D.viewError(err);
    }
  }

  function start() {
    $("#signin").hidden = true;
    $("#top").hidden = false;
    header();
    if (!window.location.hash) window.location.hash = "#/overview";
    else render();
    if (D.views.moderation.counts) D.views.moderation.counts().catch(() => {});
  }

  document.addEventListener("DOMContentLoaded", () => {
    let theme = "auto";
    try { theme = window.localStorage.getItem("xinqing.theme") || "auto"; } catch (e) { /* none */ }
    applyTheme(THEMES.some(([n]) => n === theme) ? theme : "auto");
    for (const view of Object.values(D.views)) view.init();
    $("#theme").addEventListener("click", nextTheme);
    $("#signin-form").addEventListener("submit", signIn);
    $("#signout").addEventListener("click", () => D.signOut("已退出。"));
    $("#site-select").addEventListener("change", switchSite);
    $("#banner-retry").addEventListener("click", () => { D.hideBanner(); render(); });
    window.addEventListener("hashchange", () => {
      document.body.dataset.ready = "";
      render();
    });
    document.addEventListener("xq:online", () => render());
    document.addEventListener("xq:signedout", (event) => {
      document.body.dataset.ready = "";
      showSignIn(event.detail.message);
    });
    if (D.loadSession() && D.session.token) start();
    else showSignIn("");
  });
})();
