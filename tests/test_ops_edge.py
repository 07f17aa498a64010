"""Per-site CORS and CDN caching through the Flask client (see also test_ops_gunicorn.py)."""

from __future__ import annotations

from conftest import ApiHelper

ORIGIN = "https://www.example.com"


# -- CORS -------------------------------------------------------------------------------------

def test_cors_for_allowed_origin_only(api):
    api.create_site(allowed_origins=[ORIGIN])
    r = api.client.get("/v1/sites/gmw/articles/a1/reactions", headers={"Origin": ORIGIN})
    assert r.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "X-Request-ID" in r.headers["Access-Control-Expose-Headers"]
    assert "Origin" in r.headers["Vary"]
    r = api.client.get("/v1/sites/gmw/articles/a1/reactions",
                       headers={"Origin": "https://evil.example.org"})
    assert r.status_code == 200
    assert not [h for h in r.headers.keys() if h.startswith("Access-Control-")]
    assert "Origin" in r.headers["Vary"]


def test_preflight_succeeds_for_allowed_origin(api):
    api.create_site(allowed_origins=[ORIGIN])
    r = api.client.options("/v1/sites/gmw/articles/a1/reactions/mine", headers={
        "Origin": ORIGIN, "Access-Control-Request-Method": "PUT",
        "Access-Control-Request-Headers": "content-type, x-reader-token"})
    assert r.status_code == 204
    assert r.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "PUT" in r.headers["Access-Control-Allow-Methods"]
    assert "DELETE" in r.headers["Access-Control-Allow-Methods"]
    allowed = r.headers["Access-Control-Allow-Headers"].lower()
    for header in ("x-reader-token", "content-type", "authorization"):
        assert header in allowed
    assert int(r.headers["Access-Control-Max-Age"]) > 0


def test_preflight_from_other_origin_gets_no_cors(api):
    api.create_site(allowed_origins=[ORIGIN])
    r = api.client.options("/v1/sites/gmw/articles/a1/reactions/mine", headers={
        "Origin": "https://evil.example.org", "Access-Control-Request-Method": "PUT"})
    assert r.status_code in (200, 204)
    assert not [h for h in r.headers.keys() if h.startswith("Access-Control-")]


def test_wildcard_origin_and_errors_are_readable(api):
    api.create_site(allowed_origins=["*"])
    r = api.client.put("/v1/sites/gmw/articles/a1/reactions/mine", json={"mood": "happy"},
                       headers={"Origin": "https://any.example.net"})
    assert r.status_code == 401  # no reader token, but the page may read why
    assert r.headers["Access-Control-Allow-Origin"] == "*"


def test_settings_change_reaches_cors(api):
    editor = api.create_site()
    r = api.client.get("/v1/sites/gmw/articles/a1/shares", headers={"Origin": ORIGIN})
    assert "Access-Control-Allow-Origin" not in r.headers
    api.client.patch("/v1/sites/gmw/settings", json={"allowed_origins": [ORIGIN]},
                     headers=api.editor(editor))
    r = api.client.get("/v1/sites/gmw/articles/a1/shares", headers={"Origin": ORIGIN})
    assert r.headers["Access-Control-Allow-Origin"] == ORIGIN

# -- caching ----------------------------------------------------------------------------------

def test_public_get_is_cacheable_with_etag_and_304(api):
    api.create_site(cache_max_age=30)
    r = api.client.get("/v1/sites/gmw/articles/a1/reactions?lang=en")
    assert r.headers["Cache-Control"] == "public, max-age=30"
    vary = r.headers["Vary"]
    assert "X-Reader-Token" in vary and "Authorization" in vary
    etag = r.headers["ETag"]
    again = api.client.get("/v1/sites/gmw/articles/a1/reactions?lang=en",
                           headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag
    # a vote changes the body, so the old ETag no longer matches
    api.react(api.reader(), "happy")
    changed = api.client.get("/v1/sites/gmw/articles/a1/reactions?lang=en",
                             headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_accept_language_is_in_vary_where_labels_follow_it(api):
    api.create_site()
    path = "/v1/sites/gmw/articles/a1/reactions"
    # no Accept-Language at all still chose a language (zh-CN): the answer varies on it
    plain = api.client.get(path)
    assert "Accept-Language" in plain.headers["Vary"]
    english = api.client.get(path, headers={"Accept-Language": "en-US,en;q=0.9"})
    assert "Accept-Language" in english.headers["Vary"]
    assert english.headers["ETag"] != plain.headers["ETag"]
    assert "Accept-Language" not in api.client.get(path + "?lang=en").headers["Vary"]
    # shares carry their channels' labels too (the widget's share bar shows them)
    shares = api.client.get("/v1/sites/gmw/articles/a1/shares", headers={"Accept-Language": "en"})
    assert "Accept-Language" in shares.headers["Vary"]
    # a summary has no labels: no reason to split a CDN's entry by the reader's language
    summary = api.client.get("/v1/sites/gmw/articles/a1", headers={"Accept-Language": "en"})
    assert "Accept-Language" not in summary.headers["Vary"]


def test_reader_specific_responses_are_private(api):
    api.create_site()
    reader = api.reader()
    api.react(reader, "sad")
    r = api.reactions(reader=reader)
    assert r.get_json()["mine"] == "sad"
    assert r.headers["Cache-Control"] == "private, no-store"
    assert "ETag" not in r.headers
    assert "X-Reader-Token" in r.headers["Vary"]


def test_writes_errors_and_operations_are_not_stored(api):
    editor = api.create_site()
    reader = api.reader()
    assert api.react(reader, "happy").headers["Cache-Control"] == "no-store"
    assert api.client.get("/v1/sites/nope/articles/a1").headers["Cache-Control"] == "no-store"
    assert api.client.get("/v1/sites/gmw/settings",
                          headers=api.editor(editor)).headers["Cache-Control"] == "private, no-store"
    for path in ("/healthz", "/readyz", "/metrics"):
        assert api.client.get(path).headers["Cache-Control"] == "no-store"


def test_success_carries_no_retry_after(app_factory):
    app = app_factory(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://")
    api = ApiHelper(app.test_client())
    api.create_site()
    r = api.client.post("/v1/sites/gmw/readers")
    assert r.status_code == 201 and "X-RateLimit-Remaining" in r.headers
    assert "Retry-After" not in r.headers


def test_a_views_own_304_keeps_public_caching(app, api):
    """A view answering 304 itself (e.g. from a page cache) must not turn the entry no-store."""
    from flask import Response

    @app.get("/v1/sites/<site>/probe-304")
    def probe(site):
        return Response(status=304, headers={"ETag": '"v1"'})

    api.create_site(cache_max_age=7)
    r = api.client.get("/v1/sites/gmw/probe-304?lang=en")
    assert r.status_code == 304
    assert r.headers["Cache-Control"] == "public, max-age=7" and r.headers["ETag"] == '"v1"'


def test_a_views_own_public_cache_control_gets_vary_and_etag(app, api):
    """Rankings set their own max-age; they still get ETags, 304s and the Vary headers."""
    from flask import jsonify

    @app.get("/v1/sites/<site>/probe-public")
    def probe(site):
        response = jsonify({"items": [1, 2, 3]})
        response.headers["Cache-Control"] = "public, max-age=11"
        return response

    @app.get("/v1/sites/<site>/probe-private")
    def probe_private(site):
        response = jsonify({"mine": "x"})
        response.headers["Cache-Control"] = "private, no-cache"
        return response

    api.create_site()
    r = api.client.get("/v1/sites/gmw/probe-public")
    assert r.headers["Cache-Control"] == "public, max-age=11"
    assert "X-Reader-Token" in r.headers["Vary"]
    assert "Accept-Language" not in r.headers["Vary"]  # this view has no labels
    again = api.client.get("/v1/sites/gmw/probe-public", headers={"If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304
    mine = api.client.get("/v1/sites/gmw/probe-private")
    assert mine.headers["Cache-Control"] == "private, no-cache" and "ETag" not in mine.headers


def test_malformed_site_id_never_reaches_redis_for_cors(api, redis_client):
    api.create_site(allowed_origins=[ORIGIN])
    if not hasattr(redis_client, "execute_command"):
        return
    before = redis_client.info("commandstats").get("cmdstat_hgetall", {}).get("calls", 0)
    r = api.client.get("/v1/sites/BAD!!/articles/a1/reactions", headers={"Origin": ORIGIN})
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "invalid_id"
    after = redis_client.info("commandstats").get("cmdstat_hgetall", {}).get("calls", 0)
    assert after == before


def test_one_helper_makes_answers_public():
    """ETag, 304 and public Cache-Control are written in service/api/edge.py only: views,
    pages and assets call its cache_publicly()."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "service"
    writes = re.compile(r"set_etag|add_etag|make_conditional|\[\"ETag\"\]|status=304|"
                        r"Cache-Control\"\]\s*=\s*f?\"public")
    writers = sorted(str(path.relative_to(root)) for path in root.rglob("*.py")
                     if writes.search(path.read_text(encoding="utf-8")))
    assert writers == ["api/edge.py"]


def test_a_comment_page_answers_304_for_its_etag(api):
    api.create_site()
    reader = api.reader()
    api.client.post("/v1/sites/gmw/articles/a1/comments", json={"body": "好"}, headers=reader)
    first = api.client.get("/v1/sites/gmw/articles/a1/comments")
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"].startswith("public, max-age=")
    again = api.client.get("/v1/sites/gmw/articles/a1/comments",
                           headers={"If-None-Match": f'W/"x", {etag}'})
    assert again.status_code == 304 and again.headers["ETag"] == etag
    assert "X-Reader-Token" in again.headers["Vary"]
    private = api.client.get("/v1/sites/gmw/articles/a1/comments", headers=reader)
    assert private.headers["Cache-Control"] == "private, no-store" and "ETag" not in private.headers
