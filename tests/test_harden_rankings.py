"""Rankings cannot be filled with made-up articles.

The site setting `require_meta` (on for new sites, off for sites stored before it existed):
when on, only articles whose meta the CMS synced appear in rankings. Activity on other
articles is still counted on the article, and enters the rankings when its meta arrives.
Tokenless shares count at most once per article, channel and client network per hour.
"""

from __future__ import annotations

import pytest

from conftest import ADMIN_TOKEN


@pytest.fixture
def gmw(api):
    editor = api.editor(api.create_site("gmw"))
    return api, editor


def _vote(api, article, mood="happy", remote="198.51.100.1"):
    reader = api.reader("gmw")
    r = api.client.put(f"/v1/sites/gmw/articles/{article}/reactions/mine", json={"mood": mood},
                       headers=reader, environ_base={"REMOTE_ADDR": remote})
    assert r.status_code == 200, r.get_json()


def _meta(api, editor, article, channel=None):
    r = api.client.put(f"/v1/sites/gmw/articles/{article}/meta", headers=editor,
                       json={"title": f"标题 {article}", "url": f"https://news.example/{article}",
                             "channel": channel})
    assert r.status_code == 200, r.get_json()


def _ranked(api, **args):
    r = api.client.get("/v1/sites/gmw/rankings", query_string={"window": "24h", **args})
    assert r.status_code == 200, r.get_json()
    return [(i["article"], i["score"]) for i in r.get_json()["items"]]


def test_new_sites_require_meta_and_stored_sites_do_not(gmw, app, redis_client):
    api, editor = gmw
    assert api.client.get("/v1/sites/gmw/settings", headers=editor).get_json()["require_meta"] is True
    # a site stored by an earlier version has no such field: off
    old_editor = api.editor(api.create_site("old"))
    redis_client.hdel(app.extensions["xinqing"].store.keys.site("old"), "require_meta")
    app.extensions["xinqing"].sites._cache.clear()
    assert api.client.get("/v1/sites/old/settings", headers=old_editor).get_json()["require_meta"] is False
    r = api.client.patch("/v1/sites/old/settings", json={"require_meta": "yes please"},
                         headers=old_editor)
    assert r.status_code == 422


def test_made_up_articles_stay_out_of_every_ranking(gmw):
    api, editor = gmw
    _meta(api, editor, "real1", channel="gansu")
    _vote(api, "real1")
    for i in range(12):  # more invented articles, each with more votes than the real one
        for _ in range(2):
            _vote(api, f"fake{i}")
        api.client.post(f"/v1/sites/gmw/articles/fake{i}/views")
        api.client.post(f"/v1/sites/gmw/articles/fake{i}/shares", json={"channel": "weibo"})
    assert _ranked(api, by="happy", limit=1) == [("real1", 1)]
    for by in ("happy", "reactions", "hot", "views", "shares"):
        assert all(a == "real1" for a, _ in _ranked(api, by=by, limit=100)), by
    moods = api.client.get("/v1/sites/gmw/rankings/moods?window=24h&limit=3").get_json()
    assert [i["article"] for i in moods["moods"][0]["items"]] == ["real1"]
    # the counts themselves are kept: the articles exist, they are just not ranked
    counts = api.client.get("/v1/sites/gmw/articles/fake0/reactions").get_json()["counts"]
    assert counts["happy"] == 2


def test_activity_enters_the_rankings_when_the_meta_arrives(gmw):
    api, editor = gmw
    for _ in range(3):
        _vote(api, "late")
    api.client.post("/v1/sites/gmw/articles/late/views")
    assert _ranked(api, by="happy") == []
    _meta(api, editor, "late", channel="gansu")
    assert _ranked(api, by="happy") == [("late", 3)]
    assert _ranked(api, by="happy", channel="gansu") == [("late", 3)]
    assert _ranked(api, by="views") == [("late", 1)]
    # syncing again (same or another channel) counts nothing twice
    _meta(api, editor, "late", channel="gansu")
    _meta(api, editor, "late", channel="beijing")
    _vote(api, "late")
    assert _ranked(api, by="happy") == [("late", 4)]
    assert _ranked(api, by="happy", channel="beijing") == [("late", 4)]
    assert _ranked(api, by="happy", channel="gansu") == []


def test_sites_without_the_setting_rank_everything(gmw, app, redis_client):
    api, _ = gmw
    api.create_site("old")
    redis_client.hdel(app.extensions["xinqing"].store.keys.site("old"), "require_meta")
    app.extensions["xinqing"].sites._cache.clear()
    reader = api.reader("old")
    api.client.put("/v1/sites/old/articles/anything/reactions/mine", json={"mood": "sad"},
                   headers=reader)
    r = api.client.get("/v1/sites/old/rankings?by=sad&window=24h").get_json()
    assert [i["article"] for i in r["items"]] == ["anything"]


def test_switching_it_on_hides_unsynced_articles_at_once_and_rebuild_makes_it_exact(gmw, app):
    api, editor = gmw
    api.client.patch("/v1/sites/gmw/settings", json={"require_meta": False}, headers=editor)
    _vote(api, "nometa")
    _meta(api, editor, "withmeta")
    _vote(api, "withmeta")
    assert sorted(_ranked(api, by="happy")) == [("nometa", 1), ("withmeta", 1)]
    assert api.client.patch("/v1/sites/gmw/settings", json={"require_meta": True},
                            headers=editor).status_code == 200
    assert _ranked(api, by="happy") == [("withmeta", 1)]
    app.extensions["xinqing"].rankings.rebuild("gmw")
    assert _ranked(api, by="happy") == [("withmeta", 1)]
    _meta(api, editor, "nometa")
    assert sorted(_ranked(api, by="happy")) == [("nometa", 1), ("withmeta", 1)]


def _share(api, channel="wechat", remote="198.51.100.9", article="a1"):
    r = api.client.post(f"/v1/sites/gmw/articles/{article}/shares", json={"channel": channel},
                        environ_base={"REMOTE_ADDR": remote})
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def test_tokenless_shares_count_once_per_network_channel_and_hour(gmw, clock):
    api, _ = gmw
    assert _share(api)["counted"] is True
    again = _share(api)
    assert again["counted"] is False and again["counts"]["wechat"] == 1
    assert _share(api, remote="198.51.100.10")["counted"] is True      # another client
    assert _share(api, channel="weibo")["counted"] is True             # another channel
    assert _share(api, article="a2")["counted"] is True                # another article
    assert _share(api, remote="2001:db8:7:7::1")["counted"] is True
    assert _share(api, remote="2001:db8:7:7::2")["counted"] is False   # the same /64
    clock.advance(3600)
    assert _share(api)["counted"] is True                              # the next hour
    assert api.client.get("/v1/sites/gmw/articles/a1/shares").get_json()["counts"]["wechat"] == 4


def test_taking_down_an_unranked_article_subtracts_nothing(gmw):
    api, editor = gmw
    _meta(api, editor, "real")
    _vote(api, "real")
    _vote(api, "fake")   # held: the site requires meta and "fake" has none
    assert api.client.delete("/v1/sites/gmw/articles/fake", headers=editor).status_code == 200
    assert _ranked(api, by="happy") == [("real", 1)]
    stats = api.client.get("/v1/sites/gmw/stats?window=24h", headers=editor).get_json()
    assert stats["totals"]["reactions"] == 1
