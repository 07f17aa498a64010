/* Settings: moods (add, reorder, labels per language, emoji), share channels, allowed
 * origins, moderation mode, sensitive words and their action, comment length, cache max
 * age, time zone. Saved with one PATCH; a 422's field details are shown next to each field
 * (`data-field` paths such as "moods.2.key"). */
(function () {
  "use strict";

  const D = window.xqDashboard;
  const { $, $$, el } = D;
  let saved = null;   // the settings as the service last answered them

  // -- rows of moods / share channels ------------------------------------------------------
  function labelledRow(kind, item, index, isNew) {
    const path = `${kind}.${index}`;
    const name = kind === "moods" ? "心情" : "渠道";
    const id = (suffix) => `${kind}-${index}-${suffix}`;
    const input = (suffix, label, value, attrs) => el("div", { class: "field", dataset: { field: `${path}.${suffix}` } },
      el("label", { for: id(suffix.replace(/\W/g, "")) }, label),
      el("input", { id: id(suffix.replace(/\W/g, "")), value: value || "", dataset: { part: suffix },
                    spellcheck: "false", ...(attrs || {}) }));
    const row = el("li", { class: "row", dataset: { field: path, key: item.key || "", isNew: isNew ? "1" : "" } },
      el("span", { class: "row-title" }, `${name} ${index + 1}`),
      input("key", "键名", item.key, isNew ? { pattern: "[a-z0-9][a-z0-9_\\-]{0,31}", required: true }
                                           : { readonly: true, "aria-describedby": "key-hint" }),
      input("labels.zh-CN", "中文名", (item.labels || {})["zh-CN"], { maxlength: "32" }),
      input("labels.zh-TW", "繁體名", (item.labels || {})["zh-TW"], { maxlength: "32", lang: "zh-TW" }),
      input("labels.en", "English", (item.labels || {}).en, { maxlength: "32", lang: "en" }),
      kind === "moods" ? input("emoji", "表情", item.emoji, { maxlength: "16", class: "short" }) : "",
      el("p", { class: "field-error", dataset: { errorFor: `${path}.labels` }, hidden: true }),
      el("div", { class: "row-actions" },
        el("button", { type: "button", class: "ghost", dataset: { move: "-1" } }, "上移",
           el("span", { class: "visually-hidden" }, `${name} ${index + 1}`)),
        el("button", { type: "button", class: "ghost", dataset: { move: "1" } }, "下移",
           el("span", { class: "visually-hidden" }, `${name} ${index + 1}`)),
        el("button", { type: "button", class: "ghost", dataset: { remove: "1" } }, "删除",
           el("span", { class: "visually-hidden" }, `${name} ${index + 1}`))));
    return row;
  }

  function readRows(kind) {
    return $$(`#${kind === "moods" ? "moods" : "channels"}-rows > li`).map((row) => {
      const part = (name) => row.querySelector(`[data-part="${name}"]`);
      const labels = {};
      for (const lang of ["zh-CN", "zh-TW", "en"]) {
        const value = part(`labels.${lang}`).value.trim();
        if (value) labels[lang] = value;
      }
      const item = { key: part("key").value.trim(), labels, isNew: row.dataset.isNew === "1" };
      if (kind === "moods") item.emoji = part("emoji").value.trim();
      return item;
    });
  }

  function drawRows(kind, items) {
    const list = D.clear($(`#${kind === "moods" ? "moods" : "channels"}-rows`));
    items.forEach((item, i) => list.append(labelledRow(kind, item, i, item.isNew)));
  }

  function onRowsClick(kind) {
    return (event) => {
      const button = event.target.closest("button");
      if (!button) return;
      const rows = readRows(kind);
      const row = button.closest("li");
      const index = Array.from(row.parentNode.children).indexOf(row);
      if (button.dataset.move) {
        const to = index + Number(button.dataset.move);
        if (to < 0 || to >= rows.length) return;
        [rows[index], rows[to]] = [rows[to], rows[index]];
        drawRows(kind, rows);
        $$(`#${kind === "moods" ? "moods" : "channels"}-rows > li`)[to]
          .querySelector(`[data-move="${button.dataset.move}"]`).focus();
        D.announce("已移动，保存后生效");
      } else if (button.dataset.remove) {
        rows.splice(index, 1);
        drawRows(kind, rows);
        D.announce("已删除，保存后生效");
      }
    };
  }

  function addRow(kind) {
    const rows = readRows(kind);
    rows.push({ key: "", labels: {}, emoji: "", isNew: true });
    drawRows(kind, rows);
    const last = $$(`#${kind === "moods" ? "moods" : "channels"}-rows > li`).pop();
    last.querySelector("[data-part=key]").focus();
  }

  // -- the form ----------------------------------------------------------------------------
  const lines = (text) => text.split("\n").map((l) => l.trim()).filter(Boolean);

  function fill(settings) {
    saved = settings;
    drawRows("moods", settings.moods);
    drawRows("share_channels", settings.share_channels);
    $$("input[name=moderation]").forEach((r) => { r.checked = r.value === settings.moderation; });
    $("#banned-words").value = (settings.banned_words || []).join("\n");
    $("#banned-action").value = settings.banned_words_action;
    $("#max-length").value = settings.comment_max_length;
    $("#origins").value = (settings.allowed_origins || []).join("\n");
    $("#cache-age").value = settings.cache_max_age;
    $("#timezone").value = settings.timezone;
    clearErrors();
  }

  function strip(items) {
    return items.map(({ isNew, ...item }) => item);
  }

  function read() {
    const number = (node) => node.value.trim() === "" ? node.value : Number(node.value);
    const checked = $("input[name=moderation]:checked");
    return {
      moods: strip(readRows("moods")),
      share_channels: strip(readRows("share_channels")),
      moderation: checked ? checked.value : saved.moderation,
      banned_words: lines($("#banned-words").value),
      banned_words_action: $("#banned-action").value,
      comment_max_length: number($("#max-length")),
      allowed_origins: lines($("#origins").value),
      cache_max_age: number($("#cache-age")),
      timezone: $("#timezone").value.trim(),
    };
  }

  /** Only what changed, so two editors changing different settings both win. */
  function changes() {
    const now = read();
    const out = {};
    for (const [name, value] of Object.entries(now)) {
      if (JSON.stringify(value) !== JSON.stringify(saved[name])) out[name] = value;
    }
    return out;
  }

  function clearErrors() {
    $$("#settings-form .field-error[data-generated]").forEach((n) => n.remove());
    $$("#settings-form .field-error[data-error-for]").forEach((n) => { n.hidden = true; n.textContent = ""; });
    $$("#settings-form [aria-invalid]").forEach((n) => {
      n.removeAttribute("aria-invalid");
      n.removeAttribute("aria-errormessage");
    });
    $("#settings-message").hidden = true;
  }

  /** {"moods": {"0": {"key": ["…"]}}} -> [["moods.0.key", "…"], …] */
  function flatten(node, path, out) {
    if (Array.isArray(node) && node.every((m) => typeof m === "string")) {
      out.push([path.filter((p) => p !== "_schema").join("."), node.join("；")]);
    } else if (node && typeof node === "object") {
      for (const [k, v] of Object.entries(node)) flatten(v, path.concat(k), out);
    } else if (typeof node === "string") {
      out.push([path.join("."), node]);
    }
    return out;
  }

  let errorIds = 0;
  /** Put a message next to the closest field the path names (walking up to a parent). */
  function showError(path, message) {
    let parts = path.split(".");
    let target = null;
    while (parts.length && !target) {
      const p = parts.join(".");
      target = $(`#settings-form .field-error[data-error-for="${CSS.escape(p)}"]`)
        || $(`#settings-form [data-field="${CSS.escape(p)}"]`);
      parts = parts.slice(0, -1);
    }
    if (!target) target = $("#settings-message");
    let box = target;
    if (!target.classList.contains("field-error") && target.id !== "settings-message") {
      box = el("p", { class: "field-error", role: "alert", dataset: { generated: "1" } });
      target.append(box);
    }
    const id = "settings-error-" + (++errorIds);
    box.id = box.id || id;
    box.textContent = (box.textContent && box.id !== "settings-message" ? box.textContent + "；" : "") + message;
    box.hidden = false;
    const control = target.matches("input,select,textarea") ? target
      : target.querySelector("input:not([type=radio]),select,textarea");
    if (control) {
      control.setAttribute("aria-invalid", "true");
      control.setAttribute("aria-errormessage", box.id);
    }
    return control;
  }

  async function save(event) {
    event.preventDefault();
    clearErrors();
    const body = changes();
    const message = $("#settings-message");
    if (!Object.keys(body).length) {
      message.textContent = "没有改动。";
      message.hidden = false;
      return;
    }
    try {
      const settings = await D.api("settings", { method: "PATCH", body });
      D.settings = settings;
      D.session.timezone = settings.timezone;
      D.saveSession(D.session);
      fill(settings);
      message.textContent = "已保存。读者组件下次加载时即用新设置。";
      message.hidden = false;
      D.announce("设置已保存");
    } catch (err) {
      if (err.status === 422 && err.details && err.details.fields) {
        const found = flatten(err.details.fields.json || err.details.fields, [], []);
        let first = null;
        for (const [path, text] of found) {
          const control = showError(path, text);
          first = first || control;
        }
        message.textContent = `有 ${found.length} 处需要修改，见各项下方的提示。`;
        message.hidden = false;
        if (first) first.focus();
      } else {
        message.textContent = "保存失败：" + D.reason(err);
        message.hidden = false;
      }
    }
  }

  D.views.settings = {
    async show() {
      const settings = await D.api("settings");
      D.settings = settings;
      fill(settings);
    },
    init() {
      $("#settings-form").addEventListener("submit", save);
      $("#settings-reset").addEventListener("click", () => saved && fill(saved));
      $("#moods-rows").addEventListener("click", onRowsClick("moods"));
      $("#channels-rows").addEventListener("click", onRowsClick("share_channels"));
      $("#add-mood").addEventListener("click", () => addRow("moods"));
      $("#add-channel").addEventListener("click", () => addRow("share_channels"));
      $("#settings-form").append(el("p", { id: "key-hint", class: "visually-hidden" },
        "已有的键名不能修改：计数按键名保存。"));
    },
  };
})();
