"""Export a busy site, import it into an EMPTY separate redis-server, and compare every public
and editor GET of the API between the two: every GET route of the app that takes a site is
visited (a new one without query variants here fails the test), for every article, comment,
author ref and credential kind, following every next_cursor."""

from __future__ import annotations

import io
import random

from conftest import ADMIN_TOKEN, Clock, make_config

T0 = 1_760_000_000.0          # data is written over the 40 days before T_END
T_END = T0 + 40 * 86400
SITE = "gmw"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
# Routes that take a site but hold no site data to compare.
NOT_DATA = {"static", "assets.asset"}
# Routes whose answer depends on the reader token: asked as several readers too.
READER_AWARE = {"engagement.Reactions", "engagement.my_moods", "comments.list_comments", "comments.my_votes",
                "comments.replies", "readers.me"}


class Site:
    """Drive one app through the API (and the migration and erasure paths) with a clock."""

    def __init__(self, app, clock: Clock) -> None:
        self.app = app
        self.c = app.test_client()
        self.clock = clock
        self.svc = app.extensions["xinqing"]

    def ok(self, response, *codes):
        assert response.status_code in (codes or (200, 201)), (response.status_code,
                                                               response.get_json())
        return response.get_json()


def build_site(app, clock: Clock, rng: random.Random) -> dict:
    """A site with a bit of everything the export must carry; returns tokens and ids."""
    from service.domain.migration import LegacyCounts, LegacyRow

    s = Site(app, clock)
    c = s.c
    editor = {"Authorization": "Bearer " + s.ok(c.post(
        "/v1/admin/sites", headers=ADMIN, json={
            "site": SITE, "timezone": "Asia/Shanghai", "banned_words": ["坏词"],
            "require_meta": False,  # its articles are ranked with or without meta
            "allowed_origins": ["https://news.example.com"], "cache_max_age": 7}))["editor_token"]}
    s.ok(c.post("/v1/admin/sites", headers=ADMIN, json={"site": "other"}))
    s.ok(c.patch(f"/v1/sites/{SITE}/settings", headers=editor, json={
        "moods": [{"key": "happy", "labels": {"zh-CN": "开心", "en": "Happy"}, "emoji": "😊"},
                  {"key": "sad", "labels": {"zh-CN": "难过"}, "emoji": "😢"},
                  {"key": "like", "labels": {"zh-CN": "点赞"}, "emoji": "👍"},
                  {"key": "wow", "labels": {"zh-CN": "震惊", "en": "Wow"}, "emoji": "😮"}]}))
    articles = [f"a{i:02d}" for i in range(16)] + ["content_38012345", "x.y:z"]
    readers = [{"X-Reader-Token": s.ok(c.post(f"/v1/sites/{SITE}/readers"))["reader_token"]}
               for _ in range(14)]
    channels = ["gansu", "beijing", None]
    for i, article in enumerate(articles[:14]):
        body = {"title": f"标题 {article}", "url": f"https://news.example.com/{article}.html"}
        if channels[i % 3]:
            body["channel"] = channels[i % 3]
        if i % 4 == 0:
            body["published_at"] = "2025-10-01T08:00:00+08:00"
        s.ok(c.put(f"/v1/sites/{SITE}/articles/{article}/meta", headers=editor, json=body))
    moods = ["happy", "sad", "like", "wow"]
    comments: list[str] = []
    for step in range(260):
        clock.advance(rng.choice([60, 600, 3600, 3 * 3600, 9 * 3600]))
        article = rng.choice(articles)
        reader = rng.choice(readers)
        roll = rng.random()
        if roll < 0.40:
            s.ok(c.put(f"/v1/sites/{SITE}/articles/{article}/reactions/mine",
                       headers=reader, json={"mood": rng.choice(moods)}))
        elif roll < 0.46:
            s.ok(c.delete(f"/v1/sites/{SITE}/articles/{article}/reactions/mine", headers=reader))
        elif roll < 0.58:
            s.ok(c.post(f"/v1/sites/{SITE}/articles/{article}/shares",
                        headers=reader if rng.random() < 0.7 else {},
                        json={"channel": rng.choice(["wechat", "weibo", "qq"])}))
        elif roll < 0.72:
            s.ok(c.post(f"/v1/sites/{SITE}/articles/{article}/views",
                        headers=reader if rng.random() < 0.6 else {},
                        environ_base={"REMOTE_ADDR": f"10.0.0.{rng.randrange(5)}"}))
        elif roll < 0.86:
            parent = None
            mine = [cid for cid in comments if cid.startswith(article + "~")]
            if mine and rng.random() < 0.4:
                parent = rng.choice(mine)
            text = rng.choice(["说得好", "同意 <b>这个</b>", "这是坏词", "有道理 & 支持", "😀 好"])
            r = c.post(f"/v1/sites/{SITE}/articles/{article}/comments", headers=reader,
                       json={"body": f"{text} {step}", "author_name": f"网友{step % 5}",
                             **({"parent": parent} if parent else {})})
            if r.status_code == 201:
                comments.append(r.get_json()["id"])
        elif comments:
            cid = rng.choice(comments)
            if roll < 0.94:
                c.put(f"/v1/sites/{SITE}/comments/{cid}/vote", headers=reader,
                      json={"vote": rng.choice(["up", "up", "down"])})
            else:
                action = rng.choice(["approve", "reject", "spam", "feature", "unfeature"])
                c.post(f"/v1/sites/{SITE}/comments/{cid}/moderate", headers=editor,
                       json={"action": action})
    # deletions (one by its author, one by an editor), a takedown, a channel move, bans
    c.delete(f"/v1/sites/{SITE}/comments/{comments[0]}", headers=editor)
    s.ok(c.delete(f"/v1/sites/{SITE}/articles/{articles[5]}", headers=editor))
    s.ok(c.put(f"/v1/sites/{SITE}/articles/{articles[1]}/meta", headers=editor,
               json={"title": "改了", "url": "https://news.example.com/1.html", "channel": "world"}))
    s.ok(c.post(f"/v1/sites/{SITE}/comments/{comments[1]}/ban", headers=editor,
                json={"reason": "spam", "days": 30}))
    # legacy counts, one erased reader, activity on another site
    LegacyCounts(s.svc.portability, s.svc.rankings).apply(SITE, [
        LegacyRow(1, articles[2], {"m:happy": 40, "m:wow": 7, "v": 900}, int(T0) + 3600),
        LegacyRow(2, "legacy-only", {"m:sad": 5}, int(T0) - 86400)])
    erased = s.ok(c.get(f"/v1/sites/{SITE}/readers/me", headers=readers[-1]))["reader"]
    s.ok(c.delete(f"/v1/sites/{SITE}/readers/{erased}", headers=editor))
    s.ok(c.put(f"/v1/sites/other/articles/{articles[0]}/reactions/mine",
               headers={"X-Reader-Token": s.ok(c.post("/v1/sites/other/readers"))["reader_token"]},
               json={"mood": "happy"}))
    clock.now = T_END
    return {"editor": editor, "readers": readers, "articles": articles + ["legacy-only", "never"],
            "comments": comments}


def variants(endpoint: str, data: dict, refs: list[str]) -> list[dict]:
    """The query strings each GET endpoint is asked with."""
    windows = ["1h", "24h", "7d", "30d", "all"]
    channels = [None, "gansu", "beijing", "world", "nope"]
    table = {
        "sites.SiteSettings": [{}],
        "engagement.Reactions": [{}, {"lang": "en"}],
        "engagement.Shares": [{}],
        "engagement.Article": [{}],
        "engagement.Articles": [{"ids": ",".join(data["articles"])}],
        "comments.list_comments": [{"sort": s, "limit": 4} for s in ("new", "old", "hot")],
        "comments.my_votes": None,   # built per article below
        "comments.replies": [{"limit": 2}],
        "comments.Comment": [{}],
        "comments.moderation_queue": [{"status": s, "limit": 4}
                                      for s in ("pending", "published", "rejected", "spam")],
        "comments.list_bans": [{}],
        "rankings.ranking": [{"by": by, "window": w, "limit": 100, **({"channel": ch} if ch else {})}
                             for by in ("happy", "sad", "like", "wow", "reactions", "shares",
                                        "views", "comments", "hot")
                             for w in windows for ch in channels[:2]]
        + [{"by": "hot", "window": "all", "channel": ch} for ch in channels[2:]],
        "rankings.mood_rankings": [{"window": w, "limit": 5, "lang": lang,
                                    **({"channel": ch} if ch else {})}
                                   for w in windows for ch in channels[:2]
                                   for lang in ("zh-CN", "en")],
        "rankings.timeline": [{"granularity": "hour"}, {"granularity": "day"},
                              {"granularity": "day", "from": "2025-10-08T00:00:00Z",
                               "to": "2025-11-10T00:00:00Z"}],
        "rankings.stats": [{"window": w, **({"channel": ch} if ch else {})}
                           for w in windows for ch in channels[:2]]
        + [{"window": "all", "channel": ch} for ch in channels[2:]],
        "history.moderation_history": [{"limit": 7}],
        "history.queue_counts": [{}],
        "overview.overview": [{}, {"channel": "gansu", "lang": "en"}],
        "reading.related": [{"limit": 20}],
        "reading.feed": [{"limit": 4}, {"channel": "gansu", "limit": 3}],
        "engagement.my_moods": [{"articles": ",".join(data["articles"])}],
        "pages.rankings": [{}, {"by": "happy", "window": "7d"},
                           {"by": "hot", "window": "all", "channel": "gansu", "lang": "en"}],
        "readers.me": [{}],
    }
    if endpoint not in table:
        raise AssertionError(f"GET endpoint {endpoint} has no query variants in this test: "
                             f"add it so the round trip compares it")
    return table[endpoint]


def every_get(app, data: dict, refs: list[str]):
    """(url, query, headers) of every GET to compare."""
    public = [{}, data["editor"]]
    readers = [*public, *data["readers"][:3], data["readers"][-1]]
    comment_ids = data["comments"] + [f"{data['articles'][0]}~9999"]
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in NOT_DATA or "site" not in rule.arguments:
            continue
        values: list[dict] = [{"site": SITE}]
        if "article" in rule.arguments:
            values = [{"site": SITE, "article": a} for a in data["articles"]]
        if "comment_id" in rule.arguments:
            values = [{"site": SITE, "comment_id": cid} for cid in comment_ids]
        if "ref" in rule.arguments:
            values = [{"site": SITE, "ref": ref} for ref in refs]
        for args in values:
            url = _build(rule, args)
            if rule.endpoint == "comments.my_votes":
                queries = [{"ids": ",".join(cid for cid in comment_ids
                                            if cid.startswith(args["article"] + "~"))
                            or f"{args['article']}~1"}]
            else:
                queries = variants(rule.endpoint, data, refs)
            for query in queries:
                for headers in (readers if rule.endpoint in READER_AWARE else public):
                    yield rule.endpoint, url, query, headers


def _build(rule, args: dict) -> str:
    url = rule.rule
    for name, value in args.items():
        url = url.replace(f"<{name}>", value)
    return url


def test_export_import_gives_identical_answers_to_every_get(redis_server, redis_client,
                                                           own_redis):
    empty_redis = own_redis
    from service import create_app
    from service.domain.portability import Exporter, Importer, Validator

    clock_a = Clock(T0)
    app_a = create_app(make_config(redis_server, redis_client, CLOCK=clock_a, ACCESS_LOG=False))
    data = build_site(app_a, clock_a, random.Random(12))
    svc_a = app_a.extensions["xinqing"]

    out = io.BytesIO()
    kinds = Exporter(svc_a.portability, svc_a.sites, clock=clock_a).write(SITE, out)
    assert kinds["vote"] > 30 and kinds["comment"] > 10 and kinds["comment_vote"] > 5
    assert kinds["legacy"] == 4 and kinds["ban"] == 1 and kinds["history"] > 3
    lines = out.getvalue().split(b"\n")[:-1]
    assert not list(Validator().check(lines))

    assert empty_redis.client().dbsize() == 0
    clock_b = Clock(T_END)
    app_b = create_app(make_config(empty_redis, None, CLOCK=clock_b, ACCESS_LOG=False))
    svc_b = app_b.extensions["xinqing"]
    Importer(svc_b.portability, svc_b.sites, svc_b.rankings, clock=clock_b).load(lines)

    # the visitors' HyperLogLogs travelled byte for byte
    raw_a = redis_server.client().__class__(port=redis_server.port)
    raw_b = redis_server.client().__class__(port=empty_redis.port)
    hlls = list(raw_a.scan_iter(match=f"xq:{{{SITE}:*}}:uv"))
    assert len(hlls) > 5 and all(raw_a.get(k) == raw_b.get(k) for k in hlls)

    refs = sorted(svc_a.portability.bans(SITE)) + ["u" + "A" * 16]
    ca, cb = app_a.test_client(), app_b.test_client()
    seen_endpoints, compared, with_items = set(), 0, 0
    pending = list(every_get(app_a, data, refs))
    while pending:
        endpoint, url, query, headers = pending.pop()
        ra = ca.get(url, query_string=query, headers=headers)
        rb = cb.get(url, query_string=query, headers=headers)
        assert ra.status_code == rb.status_code, (url, query, headers)
        if ra.is_json:
            assert ra.get_json() == rb.get_json(), (url, query, headers)
        else:   # server-rendered pages
            assert ra.data == rb.data and len(ra.data) > 500, (url, query)
        assert ra.headers.get("ETag") == rb.headers.get("ETag"), (url, query)
        assert ra.headers.get("Cache-Control") == rb.headers.get("Cache-Control"), (url, query)
        compared += 1
        body = ra.get_json() or {}
        if ra.status_code == 200:
            seen_endpoints.add(endpoint)
            if body.get("items") or body.get("moods") or body.get("counts"):
                with_items += 1
        if isinstance(body, dict) and body.get("next_cursor"):
            pending.append((endpoint, url, {**query, "cursor": body["next_cursor"]}, headers))
    every = {r.endpoint for r in app_a.url_map.iter_rules()
             if "GET" in r.methods and "site" in r.arguments and r.endpoint not in NOT_DATA}
    assert seen_endpoints == every, every - seen_endpoints
    assert compared > 1200 and with_items > 500, (compared, with_items)
