"""Rankings on a real Redis Cluster (3 masters): the split write path, reads, rebuild.

Every script's keys must hash to one slot (article tag or scope tag), or redis-py refuses it.
"""

from __future__ import annotations

import random
import shutil
import socket
import subprocess
import tempfile

import pytest
import redis

from conftest import ADMIN_TOKEN, SECRET_KEY, ApiHelper, wait_for

pytestmark = pytest.mark.slow


def _cluster_port(taken: set[int]) -> int:
    """A free port whose cluster bus port (+10000) stays below 32768."""
    while True:
        port = random.randint(17000, 22700)
        if port in taken:
            continue
        try:
            for p in (port, port + 10000):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", p))
        except OSError:
            continue
        taken.add(port)
        return port


@pytest.fixture(scope="module")
def cluster_url():
    binary, cli = shutil.which("redis-server"), shutil.which("redis-cli")
    if not binary or not cli:
        pytest.skip("redis-server/redis-cli not installed")
    taken: set[int] = set()
    ports = [_cluster_port(taken) for _ in range(3)]
    tmp = tempfile.mkdtemp(prefix="xq-cluster-")
    procs = [subprocess.Popen(
        [binary, "--port", str(p), "--bind", "127.0.0.1", "--cluster-enabled", "yes",
         "--cluster-config-file", f"{tmp}/nodes-{p}.conf", "--cluster-node-timeout", "2000",
         "--save", "", "--appendonly", "no", "--dir", tmp],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for p in ports]
    try:
        for p in ports:
            wait_for(lambda p=p: redis.Redis(port=p).ping(), what=f"cluster node {p}")
        subprocess.run([cli, "--cluster", "create", *[f"127.0.0.1:{p}" for p in ports],
                        "--cluster-replicas", "0", "--cluster-yes"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=60)
        wait_for(lambda: redis.Redis(port=ports[0]).cluster("info")["cluster_state"] == "ok",
                 timeout=30, what="cluster ok")
        yield "redis+cluster://" + ",".join(f"127.0.0.1:{p}" for p in ports)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)


def test_rankings_on_cluster(cluster_url, clock):
    from service import create_app

    app = create_app({"TESTING": True, "REDIS_URL": cluster_url, "SECRET_KEY": SECRET_KEY,
                      "ADMIN_TOKEN": ADMIN_TOKEN, "RATELIMIT_ENABLED": False, "CLOCK": clock})
    services = app.extensions["xinqing"]
    services.rankings.comment_source = None  # comments come via record_comment
    try:
        assert services.store.rankings.cluster
        client = app.test_client()
        api = ApiHelper(client)
        editor = api.editor(api.create_site("gmw"))
        for article, channel in (("a1", "gansu"), ("a2", "gansu"), ("a3", None)):
            body = {"title": article, "url": f"https://e.com/{article}"}
            if channel:
                body["channel"] = channel
            assert client.put(f"/v1/sites/gmw/articles/{article}/meta", json=body,
                              headers=editor).status_code == 200
        readers = [api.reader() for _ in range(4)]
        for i, reader in enumerate(readers):
            api.react(reader, "happy", article="a1")
            api.react(reader, ("sad", "like")[i % 2], article="a2")
            client.post("/v1/sites/gmw/articles/a3/shares", json={"channel": "qq"}, headers=reader)
            client.post("/v1/sites/gmw/articles/a3/views", headers=reader)
        clock.advance(2 * 3600)
        api.react(readers[0], "sad", article="a1")   # moves a vote cast two hours ago
        services.rankings.record_comment("gmw", "a2", 1, int(clock()))

        def get(**args):
            body = client.get("/v1/sites/gmw/rankings", query_string=args).get_json()
            return [(i["article"], i["score"]) for i in body["items"]]

        assert get(by="happy", window="24h") == [("a1", 3)]
        assert get(by="sad", window="1h") == [("a1", 1)]
        assert get(by="reactions", window="all", channel="gansu") == [("a2", 4), ("a1", 4)]
        assert get(by="shares") == [("a3", 4)]
        assert get(by="views") == [("a3", 4)]
        assert get(by="comments", window="1h") == [("a2", 1)]
        moods = client.get("/v1/sites/gmw/rankings/moods?window=all").get_json()["moods"]
        assert [len(m["items"]) for m in moods] == [1, 2, 1, 0]

        before = {(by, w): get(by=by, window=w) for by in ("happy", "sad", "hot", "views")
                  for w in ("1h", "24h", "all")}
        services.store.rankings.drop_rankings("gmw")
        assert get(by="happy", window="24h") == []
        result = services.rankings.rebuild("gmw")
        assert result["replayed"] == 3
        assert {(by, w): get(by=by, window=w) for by, w in before} == before

        assert client.delete("/v1/sites/gmw/articles/a1", headers=editor).status_code == 200
        assert get(by="happy", window="all") == []
        assert services.store.is_taken_down("gmw", "a1")
        stats = client.get("/v1/sites/gmw/stats?window=all", headers=editor).get_json()
        assert stats["totals"]["reactions"] == 4 and stats["totals"]["shares"] == 4
    finally:
        services.sites.close()
