/* xinqing editors' dashboard: the shared core (one namespace, window.xqDashboard).
 *
 * Session: {site, token, admin} in sessionStorage only (never a URL or a cookie); signing
 * out or any 401 clears it. API: same-origin fetch with the Bearer token; a 401 returns to
 * sign-in with a message, a network failure or 5xx shows the banner and keeps the page
 * usable. Rendering uses DOM methods and textContent only: nothing from the server is ever
 * parsed as HTML. */
(function () {
  "use strict";

  const D = (window.xqDashboard = { views: {} });
  const STORE_KEY = "xinqing.dashboard";

  // -- DOM ---------------------------------------------------------------------------------
  D.$ = (sel, root) => (root || document).querySelector(sel);
  D.$$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));

  /** el("td", {class: "num", dataset: {v: 1}}, "text", child…): an element, text as text. */
  D.el = function (tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "class") node.className = value;
      else if (name === "dataset") Object.assign(node.dataset, value);
      else if (name === "text") node.textContent = value;
      else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  };

  D.clear = (node) => { node.replaceChildren(); return node; };

  D.announce = function (text) {
    const status = D.$("#status");
    status.textContent = "";
    window.setTimeout(() => { status.textContent = text; }, 30);
  };

  // -- formatting --------------------------------------------------------------------------
  const compact = new Intl.NumberFormat("zh-CN", { notation: "compact", maximumFractionDigits: 1 });
  const plain = new Intl.NumberFormat("zh-CN", { maximumFractionDigits: 2 });
  /** 12345 -> "1.2万"; below 10,000 the number itself. */
  D.num = (n) => compact.format(Number(n) || 0);
  D.exact = (n) => plain.format(Number(n) || 0);

  const formatters = new Map();
  function dateFormat(options) {
    const tz = (D.session && D.session.timezone) || "Asia/Shanghai";
    const key = tz + JSON.stringify(options);
    if (!formatters.has(key)) {
      formatters.set(key, new Intl.DateTimeFormat("zh-CN", { timeZone: tz, hour12: false, ...options }));
    }
    return formatters.get(key);
  }
  /** An RFC 3339 time in the site's time zone. */
  D.time = (iso) => iso ? dateFormat({ year: "numeric", month: "2-digit", day: "2-digit",
                                       hour: "2-digit", minute: "2-digit" }).format(new Date(iso)) : "";
  D.hour = (iso) => dateFormat({ month: "numeric", day: "numeric", hour: "2-digit" }).format(new Date(iso));
  D.day = (iso) => dateFormat({ month: "numeric", day: "numeric" }).format(new Date(iso));

  D.label = function (item) {
    const labels = (item && item.labels) || {};
    return labels["zh-CN"] || labels.en || (item && item.key) || "";
  };

  // -- session -----------------------------------------------------------------------------
  D.session = null;
  D.loadSession = function () {
    try {
      const raw = window.sessionStorage.getItem(STORE_KEY);
      D.session = raw ? JSON.parse(raw) : null;
    } catch (e) {
      D.session = null;
    }
    return D.session;
  };
  D.saveSession = function (session) {
    D.session = session;
    window.sessionStorage.setItem(STORE_KEY, JSON.stringify(session));
  };
  D.signOut = function (message) {
    window.sessionStorage.removeItem(STORE_KEY);
    D.session = null;
    D.settings = null;
    document.dispatchEvent(new CustomEvent("xq:signedout", { detail: { message: message || "" } }));
  };

  // -- the API -----------------------------------------------------------------------------
  class ApiError extends Error {
    constructor(status, code, message, details) {
      super(message || code || ("HTTP " + status));
      this.status = status;
      this.code = code || "";
      this.details = details || {};
    }
  }
  D.ApiError = ApiError;

  const banner = () => D.$("#banner");
  let retry = null;
  D.showBanner = function (text) {
    D.$("#banner-text").textContent = text;
    banner().hidden = false;
    // Until the service answers again, ask /readyz every 5 s; then refresh the view.
    if (!retry) {
      retry = window.setInterval(async () => {
        try {
          const res = await fetch("/readyz", { cache: "no-store", credentials: "omit" });
          if (!res.ok) return;
        } catch (e) {
          return;
        }
        D.hideBanner();
        document.dispatchEvent(new CustomEvent("xq:online"));
      }, 5000);
    }
  };
  D.hideBanner = function () {
    banner().hidden = true;
    if (retry) window.clearInterval(retry);
    retry = null;
  };

  /** Call the JSON API. `opts.token` overrides the session's; `opts.signin` keeps a 401 as
   * an error instead of signing out. Paths are relative to /v1/sites/{site} unless absolute. */
  D.api = async function (path, opts) {
    opts = opts || {};
    const session = D.session || {};
    const token = opts.token || session.token;
    const url = path.startsWith("/") ? path
      : "/v1/sites/" + encodeURIComponent(opts.site || session.site) + "/" + path;
    const headers = { Accept: "application/json" };
    if (token) headers.Authorization = "Bearer " + token;
    const init = { method: opts.method || "GET", headers, cache: "no-store", credentials: "omit" };
    if (opts.body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(opts.body);
    }
    let res;
    try {
      res = await fetch(url, init);
    } catch (err) {
      D.showBanner("连不上服务：页面仍可使用，数据可能不是最新。稍后会自动重试。");
      throw new ApiError(0, "network", "连不上服务");
    }
    let data = null;
    if (res.status !== 204) {
      data = await res.json().catch(() => null);
    }
    if (res.status >= 500 || res.status === 429) {
      D.showBanner(res.status === 429 ? "请求太频繁，请稍候再试。"
        : "服务暂时不可用（" + res.status + "）：页面仍可使用，稍后会自动重试。");
    } else {
      D.hideBanner();
    }
    if (res.ok) return data;
    const error = (data && data.error) || {};
    if (res.status === 401 && !opts.signin) {
      D.signOut("登录已失效：令牌不对、已过期或已更换。请重新登录。");
    }
    throw new ApiError(res.status, error.code, error.message, error.details);
  };

  /** A failed action's reason, for a person. */
  D.reason = function (err) {
    if (!(err instanceof ApiError)) return String(err && err.message || err);
    if (err.status === 0) return "连不上服务";
    return (err.message || err.code) + (err.status ? "（" + err.status + "）" : "");
  };

  // -- routing -----------------------------------------------------------------------------
  /** "#/rankings?by=happy" -> {name: "rankings", arg: "", params: URLSearchParams}. */
  D.route = function () {
    const hash = window.location.hash.replace(/^#\/?/, "");
    const [pathPart, query] = hash.split("?");
    const parts = pathPart.split("/");
    return { name: parts[0] || "overview", arg: decodeURIComponent(parts.slice(1).join("/")),
             params: new URLSearchParams(query || "") };
  };
  D.go = function (hash) {
    if (window.location.hash === hash) window.dispatchEvent(new HashChangeEvent("hashchange"));
    else window.location.hash = hash;
  };

  // -- downloads ---------------------------------------------------------------------------
  D.download = function (filename, text, type) {
    const blob = new Blob([text], { type: type || "text/plain;charset=utf-8" });
    const url = URL.createObjectURL(blob);
    const a = D.el("a", { href: url, download: filename, hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
    window.setTimeout(() => URL.revokeObjectURL(url), 10000);
  };

  // -- dialogs -----------------------------------------------------------------------------
  /** Ask to confirm; resolves true on "ok". `extra` is a node put in the dialog (inputs). */
  D.confirm = function (title, text, okLabel, extra) {
    const dialog = D.$("#confirm");
    D.$("#confirm-h").textContent = title;
    D.$("#confirm-text").textContent = text;
    D.$("#confirm-ok").textContent = okLabel || "确定";
    D.clear(D.$("#confirm-extra"));
    if (extra) D.$("#confirm-extra").append(extra);
    dialog.returnValue = "";
    return new Promise((resolve) => {
      dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
      dialog.showModal();
      (extra && extra.querySelector("input,select")) ? extra.querySelector("input,select").focus()
        : D.$("#confirm-cancel").focus();
    });
  };
})();
