/* xinqing reader widget: reading lists. The core loads this module (and reading.css) only
 * when a data-xinqing="related" or "feed" host comes near the viewport, and calls render(c).
 *
 * related: 相关阅读, the articles readers felt the same way about (GET …/related), or the
 *          channel's hot list when the article has too few votes (the answer says which).
 * feed:    推荐阅读 with 加载更多: pages of the site's or a channel's hot articles. The
 *          service pins the order for a few minutes, so following next_cursor never repeats
 *          or skips; a cursor past its life answers cursor_expired and the list starts over.
 * Images (meta.image) only with data-images="true": a page's CSP must allow them.
 */
export async function render(c) {
  const { t, lang, host } = c;
  const { h, button, fill, fmt, errorText, safeUrl, get } = c.lib;
  const ds = host.dataset, feed = c.kind === "feed";
  const limit = Math.min(feed ? 50 : 20, Math.max(1, +ds.limit || (feed ? 10 : 6)));
  const when = new Intl.DateTimeFormat(lang, { month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" });
  const list = h("ul", "rd"), note = c.live(), none = h("p", "empty", t.none), basis = h("p", "basis");
  const more = button("more", t.loadMore);
  let next = null;

  const entry = (it) => {
    const m = it.meta || {}, href = safeUrl(m.url), pic = ds.images === "true" && safeUrl(m.image);
    const link = h(href ? "a" : "span", "rt", m.title || it.article);
    if (href) link.href = href;
    const info = h("p", "ri", h("span", "", fill(t.reacted, { n: fmt(it.reactions.total, lang) })));
    if (it.comments) info.append(h("span", "", fill(t.commented, { n: fmt(it.comments.count, lang) })));
    if (m.published_at) {
      const time = h("time", "", when.format(new Date(m.published_at)));
      time.dateTime = m.published_at;
      info.prepend(time);
    }
    const li = h("li", "", link, feed && m.summary ? h("p", "rs", m.summary) : null, info);
    li.dataset.article = it.article;
    if (pic) {
      const img = h("img", "pic");
      Object.assign(img, { src: pic, alt: "", loading: "lazy", referrerPolicy: "no-referrer" });
      li.prepend(img);
    }
    return li;
  };
  const show = (items, append) => {
    const added = items.map(entry);
    append ? list.append(...added) : list.replaceChildren(...added);
    list.hidden = !list.children.length;
    none.hidden = !list.hidden;
    return added;
  };

  const q = new URLSearchParams({ limit, ...(ds.channel && { channel: ds.channel }) });
  const page = (cursor, fresh) => get(c.base, `/v1/sites/${c.site}/feed?${q}` +
    (cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""), { fresh });
  const paged = (d, append) => {
    next = d.next_cursor;
    more.hidden = !next;
    return show(d.items, append);
  };
  more.onclick = async () => {
    if (more.getAttribute("aria-disabled") === "true") return;
    more.setAttribute("aria-disabled", "true");
    try {
      const added = paged(await page(next), true);
      note.textContent = fill(t.loaded, { n: added.length });
      added[0]?.querySelector(".rt").focus();
    } catch (e) {
      if (e.code !== "cursor_expired") note.textContent = errorText(e, t);
      else { // the pinned order has expired: start over from the first page
        try {
          paged(await page(null, true));
          note.textContent = t.restarted;
          list.querySelector(".rt")?.focus();
        } catch (e2) {
          note.textContent = errorText(e2, t);
        }
      }
    }
    more.setAttribute("aria-disabled", "false");
  };

  const path = feed ? null : `${c.path}/related?limit=${limit}`;
  const [d] = await Promise.all([feed ? page() : get(c.base, path), c.ready]);
  const title = h("h2", "title", feed ? t.feed : t.related);
  title.id = "xq-title";
  const section = h("section", "", title);
  section.setAttribute("aria-labelledby", "xq-title");
  if (feed) {
    section.append(list, none, more, note);
    paged(d);
  } else {
    basis.textContent = d.basis === "mood" ? t.byMood : t.byHot;
    section.append(basis, list, none);
    show(d.items);
  }
  c.box.append(section);
}
