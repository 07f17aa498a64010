"""No input to a comment endpoint yields a 500 (random JSON, ids, query strings)."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings, strategies as st

from tests.test_comments_api import C

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=8,
)
BODIES = st.one_of(
    JSON,
    st.fixed_dictionaries({"body": JSON}, optional={"author_name": JSON, "parent": JSON}),
    st.fixed_dictionaries({"vote": JSON}),
    st.fixed_dictionaries({"action": JSON}),
    st.fixed_dictionaries({}, optional={"reason": JSON, "days": JSON}),
)
IDS = st.one_of(st.sampled_from(["a1~1", "a1~2", "a1~99999999", "a1~0", "x~1"]),
                st.text(alphabet="a1~:._-%0", min_size=1, max_size=12))
QUERIES = st.dictionaries(st.sampled_from(["sort", "limit", "cursor", "status", "lang"]),
                          st.text(max_size=20) | st.integers().map(str), max_size=3)
FUZZ = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


def _ok(resp):
    assert resp.status_code < 500, (resp.status_code, resp.get_data()[:300])
    assert resp.mimetype == "application/json" or resp.status_code in (204, 304)


@FUZZ
@given(body=BODIES, cid=IDS, query=QUERIES)
def test_comment_endpoints_never_500(api, body, cid, query):
    c = getattr(test_comment_endpoints_never_500, "site", None)
    if c is None or c.client is not api.client:
        c = C(api)
        c.reader_headers = c.reader()
        c.new(c.reader_headers, "seed")
        test_comment_endpoints_never_500.site = c
    r, ed, cl = c.reader_headers, c.ed, c.client
    # serialized by the standard library, so bodies orjson would refuse (integers beyond
    # 64 bits) still reach the service as a real client could send them
    raw = {"data": json.dumps(body), "content_type": "application/json"}
    _ok(cl.post("/v1/sites/gmw/articles/a1/comments", headers=r, **raw))
    _ok(cl.get("/v1/sites/gmw/articles/a1/comments", query_string=query))
    _ok(cl.get(f"/v1/sites/gmw/comments/{cid}/replies", query_string=query))
    _ok(cl.put(f"/v1/sites/gmw/comments/{cid}/vote", headers=r, **raw))
    _ok(cl.post(f"/v1/sites/gmw/comments/{cid}/moderate", headers=ed, **raw))
    _ok(cl.post(f"/v1/sites/gmw/comments/{cid}/ban", headers=ed, **raw))
    _ok(cl.get("/v1/sites/gmw/moderation", query_string=query, headers=ed))
    _ok(cl.delete(f"/v1/sites/gmw/comments/{cid}", headers=r))
