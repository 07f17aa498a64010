"""Every `xinqing` command works on the app's own state: the same Redis, the same services.

The app and the command line get their services from one composition root
(service.composition), so a command sees what the app wrote and the app sees what a command
wrote. Each command has a test here; a command added to the parser without one fails
`test_every_command_has_a_test_here`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests

from conftest import ADMIN_TOKEN, SECRET_KEY, GunicornServer
from service.cli import build_parser, main

DATA = Path(__file__).parent / "data"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
WINDOWS = ("1h", "24h", "7d", "30d", "all")
FIXED_METRICS = ("reactions", "shares", "views", "comments", "hot")
MOODS = ("happy", "sad", "like", "meh")

# (command words) -> the test below that runs it against the app's state
COVERED = {
    ("serve",): "test_serve_answers_from_the_apps_state",
    ("sites", "create"): "test_sites_create_list_and_rotate_token",
    ("sites", "list"): "test_sites_create_list_and_rotate_token",
    ("sites", "rotate-token"): "test_sites_create_list_and_rotate_token",
    ("settings",): "test_settings_and_errors_print_their_tables",
    ("errors",): "test_settings_and_errors_print_their_tables",
    ("rankings", "rebuild"): "test_rankings_rebuild_restores_every_metric",
    ("rankings", "sweep"): "test_rankings_sweep_folds_what_outboxes_hold",
    ("export",): "test_export_then_import",
    ("import",): "test_export_then_import",
    ("migrate", "phpcms"): "test_migrate_sets_counts_the_app_shows",
    ("migrate", "waline"): "test_migrate_sets_counts_the_app_shows",
    ("readers", "reindex"): "test_readers_reindex_lets_the_app_erase",
}


def _leaf_commands(parser, prefix=()):
    """Yield the words of every runnable command of an argparse parser."""
    subparsers = [action for action in parser._actions
                  if action.__class__.__name__ == "_SubParsersAction"]
    if not subparsers:
        yield prefix
        return
    for name, child in subparsers[0].choices.items():
        yield from _leaf_commands(child, (*prefix, name))


def test_every_command_has_a_test_here():
    assert set(_leaf_commands(build_parser())) == set(COVERED)
    for test in set(COVERED.values()):
        assert callable(globals().get(test)), test


@pytest.fixture
def wall_app(app_factory, redis_server, monkeypatch):
    """An app on the wall clock (the command line has no other), and the CLI's environment
    pointing at the same Redis and key prefix."""
    if redis_server is None:
        pytest.fail("the command line needs a real Redis", pytrace=False)
    monkeypatch.setenv("XINQING_REDIS_URL", redis_server.url)
    monkeypatch.setenv("XINQING_SECRET_KEY", SECRET_KEY)
    monkeypatch.setenv("XINQING_ADMIN_TOKEN", ADMIN_TOKEN)
    monkeypatch.delenv("XINQING_KEY_PREFIX", raising=False)
    return app_factory()


@pytest.fixture
def web(wall_app):
    return wall_app.test_client()


def _site(web, site="gmw", **settings) -> dict[str, str]:
    response = web.post("/v1/admin/sites", json={"site": site, **settings}, headers=ADMIN)
    assert response.status_code == 201, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['editor_token']}"}


def _reader(web, site="gmw") -> dict[str, str]:
    return {"X-Reader-Token": web.post(f"/v1/sites/{site}/readers").get_json()["reader_token"]}


def _activity(web, site="gmw"):
    """Votes, shares, views and comments (a reply too) on three articles; the readers."""
    readers = [_reader(web, site) for _ in range(4)]
    for reader, (article, mood) in zip(readers, [("a1", "happy"), ("a1", "happy"),
                                                 ("a2", "sad"), ("a3", "like")]):
        assert web.put(f"/v1/sites/{site}/articles/{article}/reactions/mine",
                       json={"mood": mood}, headers=reader).status_code == 200
    web.put(f"/v1/sites/{site}/articles/a2/reactions/mine", json={"mood": "meh"},
            headers=readers[0])
    for reader, article in zip(readers, ["a1", "a2", "a2", "a3"]):
        assert web.post(f"/v1/sites/{site}/articles/{article}/shares", json={"channel": "qq"},
                        headers=reader).status_code == 200
        web.post(f"/v1/sites/{site}/articles/{article}/views", headers=reader)
    first = web.post(f"/v1/sites/{site}/articles/a3/comments", json={"body": "说得好"},
                     headers=readers[0])
    assert first.status_code == 201, first.get_json()
    for reader, article in zip(readers[1:], ["a3", "a2", "a1"]):
        assert web.post(f"/v1/sites/{site}/articles/{article}/comments",
                        json={"body": f"评论 {article} {reader['X-Reader-Token'][:6]}"},
                        headers=reader).status_code == 201
    assert web.post(f"/v1/sites/{site}/articles/a3/comments",
                    json={"body": "回复", "parent": first.get_json()["id"]},
                    headers=readers[2]).status_code == 201
    return readers


def _every_ranking(web, site="gmw") -> dict:
    rankings = {}
    for metric in (*MOODS, *FIXED_METRICS):
        for window in WINDOWS:
            body = web.get(f"/v1/sites/{site}/rankings",
                           query_string={"by": metric, "window": window}).get_json()
            rankings[metric, window] = [(item["article"], round(item["score"], 6))
                                        for item in body["items"]]
    return rankings


def test_rankings_rebuild_restores_every_metric(wall_app, web, redis_client, capsys):
    _site(web, require_meta=False)
    _activity(web)
    before = _every_ranking(web)
    for metric in (*MOODS, *FIXED_METRICS):
        assert before[metric, "all"], f"the scenario leaves the {metric} ranking empty"
    # Lose every ranking key, and the comments' hourly activity fields of one article (the
    # second step after a comment's own write, which an outage can miss): the rebuild
    # recomputes the `comments` metric from the comment records themselves.
    redis_client.delete(*redis_client.scan_iter("xq:rk:*"))
    activity = wall_app.extensions["xinqing"].store.keys.activity("gmw", "a3")
    redis_client.hdel(activity, *[f for f in redis_client.hkeys(activity) if f.startswith("c")])
    assert _every_ranking(web)["comments", "all"] == []

    assert main(["rankings", "rebuild", "--site", "gmw"]) == 0
    assert "gmw: replayed 3 of 3 articles" in capsys.readouterr().out
    assert _every_ranking(web) == before
    assert main(["rankings", "rebuild"]) == 0       # every site: the same again
    assert _every_ranking(web) == before


def test_rankings_sweep_folds_what_outboxes_hold(wall_app, web, redis_client, capsys,
                                                 monkeypatch):
    from service.store.rankings import RankingStore

    _site(web, require_meta=False)
    _activity(web)
    before = _every_ranking(web)
    redis_client.delete(*redis_client.scan_iter("xq:rk:*"))
    assert not list(redis_client.scan_iter("xq:{gmw:*}:ob"))  # one node folds in the write
    # Write as on Redis Cluster, with every scope's folding failing (its master is away):
    # each write leaves its ranking ops in its article's outbox.
    wall_app.extensions["xinqing"].store.rankings.cluster = True

    def away(*args, **kwargs):
        raise ConnectionError("the scope's master is away")

    with monkeypatch.context() as m:
        m.setattr(RankingStore, "pend", away)
        _activity(web)
    assert all(items == [] for items in _every_ranking(web).values())
    assert main(["rankings", "sweep", "--site", "gmw"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("gmw: folded ") and " of 3 articles" in out
    # the second round (new readers, the same events) ranked as the first was
    after = _every_ranking(web)
    assert after == before
    assert main(["rankings", "sweep"]) == 0         # nothing left: nothing folded twice
    assert capsys.readouterr().out == "gmw: folded 0 outbox entries of 0 articles\n"
    assert _every_ranking(web) == after


def test_sites_create_list_and_rotate_token(web, capsys):
    editor = _site(web)
    assert main(["sites", "list"]) == 0
    assert capsys.readouterr().out.split() == ["gmw"]

    assert main(["sites", "create", "cli-site", "--timezone", "UTC", "--json"]) == 0
    created = json.loads(capsys.readouterr().out)
    answer = web.get("/v1/sites/cli-site/settings",
                     headers={"Authorization": f"Bearer {created['editor_token']}"})
    assert answer.status_code == 200 and answer.get_json()["timezone"] == "UTC"
    assert main(["sites", "create", "gmw"]) == 1                  # the app's site exists
    assert "site_exists" in capsys.readouterr().err

    assert main(["sites", "rotate-token", "gmw"]) == 0
    new_token = capsys.readouterr().out.rsplit(" ", 1)[-1].strip()
    assert web.get("/v1/sites/gmw/settings", headers=editor).status_code == 401
    assert web.get("/v1/sites/gmw/settings",
                   headers={"Authorization": f"Bearer {new_token}"}).status_code == 200
    assert web.get("/v1/admin/sites", headers=ADMIN).get_json()["items"] == [
        {"site": "cli-site", "timezone": "UTC"}, {"site": "gmw", "timezone": "Asia/Shanghai"}]


def test_settings_and_errors_print_their_tables(capsys):
    """Neither reads the store: they print what the code defines."""
    from service.config import settings_table
    from service.errors import catalogue

    assert main(["settings"]) == 0
    assert capsys.readouterr().out == settings_table() + "\n"
    assert main(["errors"]) == 0
    assert capsys.readouterr().out == catalogue()


def test_export_then_import(web, tmp_path, capsys):
    _site(web, require_meta=False)
    _activity(web)
    exported = tmp_path / "gmw.jsonl"
    assert main(["export", "gmw", "-o", str(exported)]) == 0
    lines = [json.loads(line) for line in exported.read_text().splitlines()]
    assert sum(line["type"] == "comment" for line in lines) == 5
    assert sum(line["type"] == "vote" for line in lines) == 5

    assert main(["import", str(exported), "--site", "copy", "--new-editor-token"]) == 0
    token = capsys.readouterr().out.rsplit(" ", 1)[-1].strip()
    assert web.get("/v1/sites/copy/settings",
                   headers={"Authorization": f"Bearer {token}"}).status_code == 200
    for article in ("a1", "a2", "a3"):
        original = web.get(f"/v1/sites/gmw/articles/{article}").get_json()
        copy = web.get(f"/v1/sites/copy/articles/{article}").get_json()
        assert copy["reactions"] == original["reactions"]
        assert copy["comments"] == original["comments"]
    assert _every_ranking(web, "copy") == _every_ranking(web, "gmw")


def test_migrate_sets_counts_the_app_shows(web):
    _site(web, require_meta=False)
    assert main(["migrate", "phpcms", "gmw", str(DATA / "phpcms_v9_mood.csv"),
                 "--map", "n6=happy,n1=sad,n2=sad,n7=like,n8=like,n3=meh,n4=meh",
                 "--siteid", "1"]) == 0
    assert web.get("/v1/sites/gmw/articles/38012345").get_json()["reactions"] == {
        "counts": {"happy": 30, "sad": 3, "like": 21, "meh": 3}, "total": 57}
    _site(web, "wl", require_meta=False)
    assert main(["migrate", "waline", "wl", str(DATA / "waline_export.json"),
                 "--map", "reaction0=like,reaction1=,reaction2=", "--no-views",
                 "--article-regex", r"/news/(\d+)\.html"]) == 0
    migrated = web.get("/v1/sites/wl/articles/38012345").get_json()
    assert migrated["reactions"]["counts"]["like"] == 15 and migrated["views"]["pv"] == 0
    ranked = web.get("/v1/sites/wl/rankings?by=like&window=all").get_json()["items"]
    assert ranked[0]["article"] == "38012345" and ranked[0]["score"] == 15


def test_readers_reindex_lets_the_app_erase(wall_app, web, redis_client):
    editor = _site(web, require_meta=False)
    readers = _activity(web)
    reader = web.get("/v1/sites/gmw/readers/me", headers=readers[0]).get_json()["reader"]
    # An index written before the reader index existed: none at all.
    index = wall_app.extensions["xinqing"].store.keys.reader_index("gmw", reader)
    redis_client.delete(index)

    assert main(["readers", "reindex", "gmw"]) == 0
    erased = web.delete(f"/v1/sites/gmw/readers/{reader}", headers=editor)
    assert erased.status_code == 200, erased.get_json()
    assert erased.get_json()["votes"] == 2 and erased.get_json()["comments"] == 1
    assert web.get("/v1/sites/gmw/articles/a2").get_json()["reactions"]["counts"]["meh"] == 0
    assert web.get("/v1/sites/gmw/articles/a1").get_json()["reactions"]["counts"]["happy"] == 1


def test_serve_answers_from_the_apps_state(web, redis_server):
    """`xinqing serve` (gunicorn) on the same Redis: it answers what the app wrote, and the
    app sees what it was sent."""
    _site(web, require_meta=False)
    _activity(web)
    xinqing = str(Path(__import__("sys").executable).with_name("xinqing"))
    server = GunicornServer({"XINQING_REDIS_URL": redis_server.url,
                             "XINQING_SECRET_KEY": SECRET_KEY, "XINQING_ADMIN_TOKEN": ADMIN_TOKEN,
                             "XINQING_RATELIMIT_ENABLED": "false"},
                            workers=1, command=[xinqing, "serve"], app=None)
    try:
        served = requests.get(f"{server.url}/v1/sites/gmw/articles/a1", timeout=5).json()
        assert served["reactions"] == web.get("/v1/sites/gmw/articles/a1").get_json()["reactions"]
        token = requests.post(f"{server.url}/v1/sites/gmw/readers", timeout=5).json()
        assert requests.put(f"{server.url}/v1/sites/gmw/articles/a1/reactions/mine",
                            json={"mood": "sad"}, timeout=5,
                            headers={"X-Reader-Token": token["reader_token"]}).status_code == 200
    finally:
        server.stop()
    counts = web.get("/v1/sites/gmw/articles/a1").get_json()["reactions"]["counts"]
    assert counts["sad"] == 1 and counts["happy"] == 2


def test_only_the_composition_root_builds_domain_services():
    """`service/composition.py` is the one place domain services (and the stores they
    use) are constructed; a bare Store may still list site ids (service/serving.py)."""
    import re

    root = Path(__file__).resolve().parent.parent / "service"
    built = re.compile(r"\b(SiteDirectory|ReaderTokens|Engagement|Rankings|Comments|"
                       r"ModerationHistory|Erasure|Overview|Reading|Exporter|Importer|CommentListing|"
                       r"Moderation|Bans|AuthorRefs|CursorCodec|"
                       r"LegacyCounts|CommentStore|HistoryStore|PortabilityStore)\(")
    builders = sorted(str(path.relative_to(root)) for path in root.rglob("*.py")
                      if built.search(path.read_text(encoding="utf-8")))
    assert builders == ["composition.py"]
