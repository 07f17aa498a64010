"""The same code on a real Redis Cluster: every article write is one script on one slot."""

from __future__ import annotations

import time

import pytest

from conftest import ADMIN_TOKEN, SECRET_KEY, ApiHelper


@pytest.fixture
def cluster_api(redis_cluster):
    from redis.cluster import RedisCluster

    from service import create_app

    flush = RedisCluster.from_url("redis://127.0.0.1:%d" % redis_cluster.ports[0])
    flush.flushall(target_nodes=RedisCluster.PRIMARIES)
    app = create_app({"TESTING": True, "REDIS_URL": redis_cluster.url, "SECRET_KEY": SECRET_KEY,
                      "ADMIN_TOKEN": ADMIN_TOKEN, "RATELIMIT_ENABLED": True,
                      "WRITE_RATE": "100000/minute"})  # limits on, counting on the cluster
    yield ApiHelper(app.test_client()), app
    app.extensions["xinqing"].sites.close()
    flush.close()


def test_reactions_shares_views_and_batch_on_cluster(cluster_api):
    api, app = cluster_api
    editor = api.editor(api.create_site())
    readers = [api.reader() for _ in range(5)]
    articles = [f"content_{i}" for i in range(30)]  # spread over all three masters
    for i, article in enumerate(articles):
        for j, reader in enumerate(readers):
            assert api.react(reader, ["happy", "sad", "like", "meh"][(i + j) % 4],
                             article=article).status_code == 200
    assert api.react(readers[0], "meh", article="content_0").get_json()["counts"]["meh"] == 2
    assert api.retract(readers[1], article="content_0").get_json()["total"] == 4
    r = api.client.post("/v1/sites/gmw/articles/content_7/shares", json={"channel": "weibo"},
                        headers=readers[0])
    assert r.status_code == 200 and r.get_json()["counts"]["weibo"] == 1
    assert api.client.post("/v1/sites/gmw/articles/content_7/views").get_json()["pv"] == 1
    items = api.client.get("/v1/sites/gmw/articles?ids=" + ",".join(articles)).get_json()["items"]
    assert [item["article"] for item in items] == articles
    assert all(item["reactions"]["total"] == 5 for item in items[1:])
    assert items[0]["reactions"]["total"] == 4 and items[7]["shares"]["total"] == 1
    r = api.client.patch("/v1/sites/gmw/settings", json={"moderation": "pre"}, headers=editor)
    assert r.status_code == 200 and r.get_json()["moderation"] == "pre"
    assert api.client.get("/readyz").status_code == 200


def test_settings_cache_on_cluster_sees_patches_at_once(redis_cluster, cluster_api):
    from service import create_app

    api, app = cluster_api
    editor = api.editor(api.create_site())
    worker_b = ApiHelper(create_app({
        "TESTING": True, "REDIS_URL": redis_cluster.url, "SECRET_KEY": SECRET_KEY,
        "ADMIN_TOKEN": ADMIN_TOKEN, "RATELIMIT_ENABLED": False}).test_client())
    directory = worker_b.client.application.extensions["xinqing"].sites
    deadline = time.monotonic() + 5
    while not directory._live and time.monotonic() < deadline:
        worker_b.reactions()
        time.sleep(0.02)
    assert directory._live, "cluster pub/sub subscription never confirmed"
    for i in range(10):
        moods = [{"key": f"m{i}", "labels": {"zh-CN": f"心情{i}"}}]
        assert api.client.patch("/v1/sites/gmw/settings", json={"moods": moods},
                                headers=editor).status_code == 200
        assert list(worker_b.reactions().get_json()["counts"]) == [f"m{i}"]
    directory.close()


def test_export_import_and_erasure_on_cluster(cluster_api):
    """Snapshots, restores, the readers' indexes and erasure on Redis Cluster (each article
    one slot, each reader's index another)."""
    import io

    from service.domain.portability import Exporter, Importer, Validator

    api, app = cluster_api
    editor = api.editor(api.create_site(require_meta=False))
    readers = [api.reader() for _ in range(3)]
    for i in range(12):
        for j, reader in enumerate(readers):
            api.react(reader, ["happy", "sad"][(i + j) % 2], article=f"content_{i}")
    c = api.client
    cid = c.post("/v1/sites/gmw/articles/content_3/comments", headers=readers[0],
                 json={"body": "好"}).get_json()["id"]
    c.put(f"/v1/sites/gmw/comments/{cid}/vote", headers=readers[1], json={"vote": "up"})
    svc = app.extensions["xinqing"]
    out = io.BytesIO()
    Exporter(svc.portability, svc.sites).write("gmw", out)
    lines = out.getvalue().split(b"\n")[:-1]
    assert not list(Validator().check(lines))
    Importer(svc.portability, svc.sites, svc.rankings).load(lines, site="copy")
    for path in ("/articles/content_3", "/articles/content_3/comments",
                 "/rankings?by=happy&window=all"):
        a, b = c.get("/v1/sites/gmw" + path).get_json(), c.get("/v1/sites/copy" + path).get_json()
        for body in (a, b):
            body.pop("generated_at", None)
        assert a == b, path
    rid = c.get("/v1/sites/gmw/readers/me", headers=readers[0]).get_json()["reader"]
    erased = c.delete(f"/v1/sites/gmw/readers/{rid}", headers=editor).get_json()
    assert (erased["votes"], erased["comments"]) == (12, 1)
    assert c.get("/v1/sites/gmw/articles/content_0").get_json()["reactions"]["total"] == 2
    top = c.get("/v1/sites/gmw/rankings?by=reactions&window=all").get_json()["items"]
    assert {i["score"] for i in top} == {2}
