/* xinqing reader widget: comments. The core loads this module (and comments.css) only when a
 * data-xinqing="comments" host comes near the viewport, and calls render(c) with the host's
 * context: its shadow root's box, strings (c.t: i18n/core + i18n/comments), the API helpers
 * (c.lib) and the reader.
 *
 * The listing is the public, cacheable GET; the reader's own 顶/踩 come from the small
 * private `comments/votes?ids=` call. Replies are one level deep.
 */
let forms = 0;

export async function render(c) {
  const { t, lang, host } = c;
  const { h, button, fill, fmt, errorText, call, get, asReader } = c.lib;
  const ds = host.dataset;
  const size = Math.min(50, Math.max(1, +ds.limit || 20));
  // The site's limit comes with the listing (max_length); data-max-length may only lower it.
  const cap = Math.min(20000, Math.max(1, +ds.maxLength || 20000));
  let max = Math.min(cap, 2000);
  const when = new Intl.DateTimeFormat(lang, { year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" });
  const site = `/v1/sites/${c.site}`;
  let sort = ds.sort === "new" ? "new" : "hot", next = null, count = 0;
  const shown = new Set(), votes = new Map(); // comment id -> its 顶/踩 buttons

  const list = h("ol", "cl"), more = button("more", t.loadMore), said = c.live(), total = h("span", "total");
  const page = (cursor) => get(c.base, `${c.path}/comments?sort=${sort}&limit=${size}` +
    (cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""), { fresh: !cursor && c.recent() });

  // -- one comment --------------------------------------------------------------------------
  const voteButton = (cm, dir) => {
    const b = button("v", dir === "up" ? t.up : t.dn, " ", h("span", "", fmt(cm.votes[dir], lang)));
    b.dataset.vote = dir;
    b.setAttribute("aria-pressed", cm.votes.mine === dir);
    b.onclick = async () => {
      const pair = votes.get(cm.id);
      if (pair.busy) return;
      pair.busy = true;
      const undo = b.getAttribute("aria-pressed") === "true";
      pair.forEach((x) => x.setAttribute("aria-disabled", "true"));
      try {
        const r = await asReader(c, (token) => call(c.base, undo ? "DELETE" : "PUT",
          `${site}/comments/${encodeURIComponent(cm.id)}/vote`, { token, body: !undo && { vote: dir } }));
        markVotes(cm.id, r.votes);
      } catch (e) {
        said.textContent = errorText(e, t);
      }
      pair.forEach((x) => x.setAttribute("aria-disabled", "false"));
      pair.busy = false;
    };
    return b;
  };
  const markVotes = (id, v) => {
    for (const b of votes.get(id) || []) {
      b.setAttribute("aria-pressed", v.mine === b.dataset.vote);
      b.lastChild.textContent = fmt(v[b.dataset.vote], lang);
    }
  };

  const item = (cm, thread) => {
    shown.add(cm.id);
    const time = h("time", "", when.format(new Date(cm.created_at)));
    time.dateTime = cm.created_at;
    const head = h("div", "meta", h("span", "who", cm.author?.name || ""), " ", time);
    if (cm.featured) head.append(" ", h("span", "badge", t.featured));
    if (cm.status === "pending") head.append(" ", h("span", "badge wait", t.pending));
    const gone = cm.status === "deleted";
    const art = h("article", "c", head, h("p", gone ? "body gone" : "body", gone ? t.deleted : cm.body));
    art.tabIndex = -1;
    art.dataset.id = cm.id;
    const li = h("li", "", art);
    if (cm.status === "published") {
      const pair = [voteButton(cm, "up"), voteButton(cm, "down")];
      votes.set(cm.id, pair);
      const acts = h("div", "acts", pair);
      if (!thread) {
        const open = button("rep", t.reply);
        open.setAttribute("aria-expanded", "false");
        open.onclick = () => {
          const old = li.querySelector(":scope > form");
          open.setAttribute("aria-expanded", !old);
          if (old) return old.remove();
          const f = composer(cm, () => {
            f.remove();
            open.setAttribute("aria-expanded", "false");
            open.focus();
          });
          art.after(f);
          f.querySelector("textarea").focus();
        };
        acts.append(open);
      }
      art.append(acts);
    }
    if (!thread) {
      const replies = h("ol", "rl", (cm.replies || []).map((r) => item(r, cm)));
      li.append(replies);
      let cursor = null, left = (cm.reply_count || 0) > (cm.replies || []).length;
      if (left) {
        const moreReplies = button("more-r", t.moreReplies);
        moreReplies.onclick = async () => {
          try {
            const d = await get(c.base, `${site}/comments/${encodeURIComponent(cm.id)}/replies?limit=50` +
              (cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""));
            replies.append(...d.items.filter((r) => !shown.has(r.id)).map((r) => item(r, cm)));
            cursor = d.next_cursor;
            if (!cursor) moreReplies.remove();
            fetchMine(d.items);
          } catch (e) {
            said.textContent = errorText(e, t);
          }
        };
        li.append(moreReplies);
      }
    }
    return li;
  };

  // The reader's own 顶/踩 on what is shown (only a reader who has a token can have any).
  const fetchMine = async (items) => {
    const token = c.record().t;
    const ids = items.flatMap((cm) => [cm, ...(cm.replies || [])]).filter((cm) => cm.status === "published").map((cm) => cm.id);
    if (!token || !ids.length) return;
    try {
      const d = await call(c.base, "GET", `${c.path}/comments/votes?ids=${ids.map(encodeURIComponent).join(",")}`, { token });
      for (const [id, mine] of Object.entries(d.votes)) {
        const pair = votes.get(id);
        if (pair) pair.forEach((b) => b.setAttribute("aria-pressed", mine === b.dataset.vote));
      }
    } catch {} // the listing stands without them
  };

  // -- the post form (also the reply form) -------------------------------------------------
  const composer = (parent, cancel) => {
    const n = ++forms, form = h("form", parent ? "pf reply" : "pf");
    const text = h("textarea"), name = h("input", "name"), counter = h("span", "count"), note = c.live();
    const bodyLabel = h("label", "sr", parent ? fill(t.replyTo, { x: parent.author?.name || "" }) : t.body);
    const nameLabel = h("label", "nl", t.name);
    text.id = bodyLabel.htmlFor = "xq-b" + n;
    name.id = nameLabel.htmlFor = "xq-n" + n;
    counter.id = "xq-c" + n;
    text.rows = parent ? 2 : 3;
    text.placeholder = t.say;
    text.setAttribute("aria-describedby", counter.id);
    name.maxLength = 32;
    name.autocomplete = "nickname";
    const send = h("button", "send", t.post), row = h("div", "row", nameLabel, name, counter, send);
    if (cancel) {
      const no = button("", t.cancel);
      no.onclick = cancel;
      row.append(no);
    }
    const length = () => [...text.value.trim()].length;
    const recount = () => {
      const over = length() > max;
      counter.textContent = `${length()}/${max}` + (over ? " · " + fill(t.tooLong, { n: max }) : "");
      counter.classList.toggle("over", over);
      text.setAttribute("aria-invalid", over);
    };
    // One Idempotency-Key per draft: a retry after a lost answer cannot post it twice; an
    // edited draft is another post.
    let draft = null;
    text.oninput = () => (recount(), (draft = null));
    name.oninput = () => (draft = null);
    recount();
    let busy = false;
    form.onsubmit = async (e) => {
      e.preventDefault();
      if (busy || !length() || length() > max) return (length() ? null : text.focus());
      busy = true;
      send.setAttribute("aria-disabled", "true");
      draft ||= crypto.randomUUID?.() || `${Date.now()}-${Math.random().toString(36).slice(2)}`;
      try {
        const cm = await asReader(c, (token) => call(c.base, "POST", `${c.path}/comments`, {
          token, once: draft, body: { body: text.value, author_name: name.value.trim() || null, parent: parent?.id || null },
        }));
        text.value = "";
        draft = null;
        recount();
        c.touch();
        const li = item({ ...cm, replies: [] }, parent);
        if (parent) list.querySelector(`[data-id="${CSS.escape(parent.id)}"]`)?.parentElement.querySelector(".rl").append(li);
        else {
          list.prepend(li);
          none.remove();
        }
        if (cm.status === "published") counted(count + 1);
        note.textContent = cm.status === "pending" ? t.held : t.posted;
        c.emit("comment", { id: cm.id, status: cm.status, parent: cm.parent });
      } catch (err) {
        note.textContent = errorText(err, t);
      }
      busy = false;
      send.setAttribute("aria-disabled", "false");
    };
    form.append(bodyLabel, text, row, note);
    return form;
  };

  // -- the listing ----------------------------------------------------------------------------
  const sorts = h("div", "sorts", ["hot", "new"].map((key) => {
    const b = button("s", t[key]);
    b.dataset.sort = key;
    return b;
  }));
  sorts.setAttribute("role", "group");
  sorts.setAttribute("aria-label", t.sort);
  const none = h("p", "none", t.none);
  const counted = (n) => {
    count = n;
    total.textContent = fill(t.total, { n: fmt(n, lang) });
  };
  const show = (d, append) => {
    counted(d.count);
    const fresh = d.items.filter((cm) => !shown.has(cm.id)).map((cm) => item(cm));
    if (append) list.append(...fresh);
    else {
      shown.clear();
      votes.clear();
      list.replaceChildren(...d.items.map((cm) => item(cm)));
    }
    none.remove();
    if (!list.children.length) list.after(none);
    next = d.next_cursor;
    more.hidden = !next;
    for (const b of sorts.children) b.setAttribute("aria-pressed", b.dataset.sort === sort);
    fetchMine(d.items);
    return fresh;
  };
  sorts.onclick = async (e) => {
    const b = e.target.closest("button");
    if (!b || b.dataset.sort === sort) return;
    sort = b.dataset.sort;
    try {
      show(await page());
    } catch (err) {
      said.textContent = errorText(err, t);
    }
  };
  more.onclick = async () => {
    more.setAttribute("aria-disabled", "true");
    try {
      const added = show(await page(next), true);
      said.textContent = fill(t.loaded, { n: added.length });
      added[0]?.firstChild.focus();
    } catch (err) {
      said.textContent = errorText(err, t);
    }
    more.setAttribute("aria-disabled", "false");
  };

  const [first] = await Promise.all([page(), c.ready]);
  if (first.max_length > 0) max = Math.min(cap, first.max_length);
  const title = h("h2", "title", t.comments, " ", total);
  title.id = "xq-title";
  const section = h("section", "", title);
  section.setAttribute("aria-labelledby", "xq-title");
  const form = composer(null);
  c.box.append(section);
  section.append(form, sorts, list, more, said);
  show(first);
}
