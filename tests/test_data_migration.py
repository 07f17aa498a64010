"""Legacy counts from PHPCMS v9's mood module and Waline's Counter table, on sample files built
from their published schemas (tests/data/): they show in counts, totals, rankings and
timelines, no reader can take them away, a rerun changes nothing, bad rows write nothing."""

from __future__ import annotations

import io
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from test_data_import import _cli, snapshot

DATA = Path(__file__).parent / "data"
PHPCMS_MAP = "n6=happy,n1=sad,n2=sad,n7=like,n8=like,n3=meh,n4=meh"


@pytest.fixture
def site(api):
    # legacy counts land on articles without meta: this site ranks them
    return api.editor(api.create_site(require_meta=False))


def legacy(app, rows):
    from service.domain.migration import LegacyCounts

    svc = app.extensions["xinqing"]
    return LegacyCounts(svc.portability, svc.rankings).apply("gmw", rows)


def phpcms(text: str, **kw):
    from service.domain import migration as m

    mapping = m.parse_mapping(kw.pop("map", PHPCMS_MAP), [f"n{i}" for i in range(1, 11)],
                              ["happy", "sad", "like", "meh"])
    return list(m.check_unique(m.phpcms_rows(io.StringIO(text), mapping,
                                             template=kw.pop("template", "{contentid}"),
                                             siteid=kw.pop("siteid", 1), at=kw.pop("at", None),
                                             tz=ZoneInfo("UTC"), **kw)))


def counts(client, article):
    return client.get(f"/v1/sites/gmw/articles/{article}").get_json()["reactions"]


def scores(client, **args):
    body = client.get("/v1/sites/gmw/rankings", query_string=args).get_json()
    return [(i["article"], i["score"]) for i in body["items"]]


def test_phpcms_counts_show_everywhere_and_no_reader_takes_them(app, client, api, site, clock):
    rows = phpcms((DATA / "phpcms_v9_mood.csv").read_text())
    assert [r.article for r in rows] == ["7", "2", "38012345"]   # siteid 2's row left out
    legacy(app, rows)
    assert counts(client, "38012345") == {
        "counts": {"happy": 30, "sad": 3, "like": 21, "meh": 3}, "total": 57}
    # cast at lastupdate (months before the clock): in `all`, in no shorter window
    assert scores(client, by="happy", window="all") == [("38012345", 30), ("7", 1)]
    assert scores(client, by="happy", window="30d") == []
    stats = client.get("/v1/sites/gmw/stats?window=all", headers=site).get_json()
    assert stats["totals"]["reactions"] == 57 + 1 + 2
    # a reader's vote adds one; their retraction takes only their own vote away
    reader = api.reader()
    api.react(reader, "happy", article="38012345")
    assert counts(client, "38012345")["counts"]["happy"] == 31
    api.retract(reader, article="38012345")
    api.react(reader, "sad", article="38012345")
    api.retract(reader, article="38012345")
    assert counts(client, "38012345")["counts"] == {"happy": 30, "sad": 3, "like": 21, "meh": 3}
    assert scores(client, by="happy", window="all")[0] == ("38012345", 30)
    # a takedown takes them out of the rankings like any vote
    client.delete("/v1/sites/gmw/articles/7", headers=site)
    assert scores(client, by="happy", window="all") == [("38012345", 30)]


def test_rerun_changes_nothing_and_new_counts_replace_old(app, client, site, redis_client, clock):
    from service.domain.migration import at_option

    at = int(clock.now) - 3600
    rows = phpcms((DATA / "phpcms_v9_mood.csv").read_text(), at=at)
    legacy(app, rows)
    before = snapshot(redis_client)
    legacy(app, rows)
    assert snapshot(redis_client) == before
    assert scores(client, by="like", window="24h") == [("38012345", 21)]
    timeline = client.get("/v1/sites/gmw/articles/38012345/timeline?granularity=hour",
                          headers=site).get_json()
    assert sum(b["reactions"]["total"] for b in timeline["buckets"]) == 57
    # corrected counts replace the earlier ones (not added to them)
    fixed = phpcms("contentid,siteid,n6,n7,lastupdate\n38012345,1,10,0,1\n", at=at,
                   map="n6=happy,n7=like")
    legacy(app, fixed)
    assert counts(client, "38012345")["counts"] == {"happy": 10, "sad": 3, "like": 0, "meh": 3}
    assert scores(client, by="like", window="24h") == []
    assert at_option("2025-10-01T00:00:00+08:00") == 1759248000


def test_bad_rows_are_all_reported_and_nothing_is_written(app, site, redis_client, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("id,catid,siteid,contentid,total,n1,n2,n3,n4,n5,n6,n7,n8,n9,n10,lastupdate\n"
                   "1,6,1,7,1,0,0,0,0,0,1,0,0,0,0,1353725260\n"
                   "2,6,1,8,1,0,0,0,0,4,1,0,0,0,0,1353725260\n"       # n5 unmapped
                   "3,6,1,9,x,0,0,0,0,0,-1,0,0,0,0,1353725260\n"      # -1
                   "4,6,1,7,1,0,0,0,0,0,1,0,0,0,0,1353725260\n"       # article 7 again
                   "5,6,1,10,1,0,0,0,0,0,1,0,0,0,0,0\n"               # no time
                   "6,6,1\n")
    before = snapshot(redis_client)
    result = _cli(app, "migrate", "phpcms", "gmw", str(bad), "--map", PHPCMS_MAP)
    assert result.returncode == 1
    for line, why in ((3, "n5 holds 4"), (4, "n6: expected a count"), (5, "again"),
                      (6, "lastupdate is 0"), (7, "expected 16 columns")):
        assert f"line {line}: " in result.stderr and why in result.stderr, (line, result.stderr)
    assert "nothing was written" in result.stderr
    assert snapshot(redis_client) == before
    with pytest.raises(ValueError, match="no mood 'wow'"):
        phpcms("", map="n6=wow")


@pytest.mark.parametrize("sample", ["waline_export.json", "waline_counter.csv"])
def test_waline_counter_json_and_csv(app, client, site, sample):
    from service.domain import migration as m

    mapping = m.parse_mapping("reaction0=like,reaction1=happy,reaction2=sad",
                              m.WALINE_REACTIONS, ["happy", "sad", "like", "meh"])
    rows = list(m.check_unique(m.waline_rows((DATA / sample).read_bytes(), mapping,
                                             article_of=m.url_article(None), views=True,
                                             at=None, tz=ZoneInfo("UTC"))))
    assert [(r.article, r.counts) for r in rows] == [
        ("38012345", {"m:like": 15, "m:happy": 3, "m:sad": 0, "v": 1200}),
        ("38012346", {"m:like": 2, "m:happy": 0, "m:sad": 1, "v": 40})]
    assert rows[0].at == 1759998600   # 2025-10-09T08:30:00Z, the row's updatedAt
    legacy(app, rows)
    body = client.get("/v1/sites/gmw/articles/38012345").get_json()
    assert body["reactions"]["counts"] == {"happy": 3, "sad": 0, "like": 15, "meh": 0}
    assert body["views"]["pv"] == 1200
    assert scores(client, by="views", window="all") == [("38012345", 1200), ("38012346", 40)]


def test_waline_command_and_url_regex(app, client, site):
    from service.domain import migration as m

    rows = list(m.waline_rows((DATA / "waline_export.json").read_bytes(),
                              {"reaction0": "like"}, article_of=m.url_article(r"/news/(\d+)\.html"),
                              views=True, at=m.at_option("2025-10-01T00:00:00Z"),
                              tz=ZoneInfo("UTC")))
    assert "line 1: reaction1 holds 3" in str(rows[0]) and "line 2: reaction2 holds 1" in str(rows[1])
    result = _cli(app, "migrate", "waline", "gmw", str(DATA / "waline_export.json"),
                  "--map", "reaction0=like,reaction1=,reaction2=", "--no-views",
                  "--article-regex", r"/news/(\d+)\.html")
    assert result.returncode == 0, result.stderr
    body = client.get("/v1/sites/gmw/articles/38012345").get_json()
    assert body["reactions"]["counts"]["like"] == 15 and body["views"]["pv"] == 0
