"""Failover under load, with XINQING_WAIT_REPLICAS=1: a master dies by SIGKILL mid-stream.

Readers (one thread each) vote over HTTP through gunicorn, retrying a vote until it is
acknowledged (writes are idempotent). A master is killed; during the gap every request must
answer within the client's timeout, either 200 or a 503 JSON error with Retry-After, never
hang. Afterwards every acknowledged vote is in the records exactly once, the counts match the
records, and every ranking equals a rebuild from the records.

On Redis Cluster (3 masters, 3 replicas, node timeout 2 s) the killed master's replica takes
over its slots; until the killed node returns (as the new master's replica) nothing can
acknowledge writes to those slots, so they answer 503 — what WAIT promises. On Sentinel (one
master, two replicas) the second replica follows the new master and writes resume.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
import redis
import requests

from conftest import (ADMIN_TOKEN, SECRET_KEY, GunicornServer, RedisClusterProcesses,
                      RedisServer, free_port, wait_for)

pytestmark = pytest.mark.slow

MOODS = ("happy", "sad", "like", "meh")
ARTICLES = [f"story_{i}" for i in range(24)]
CLIENT_TIMEOUT = 10.0
SITE = "gmw"
# What a failover test needs of the service: WAIT on, generous for a shared test machine.
WAIT_ENV = {"XINQING_WAIT_REPLICAS": "1", "XINQING_WAIT_TIMEOUT_MS": "300",
            "XINQING_REDIS_SOCKET_TIMEOUT": "1.0", "XINQING_RATELIMIT_ENABLED": "false",
            "XINQING_SECRET_KEY": SECRET_KEY, "XINQING_ADMIN_TOKEN": ADMIN_TOKEN,
            "XINQING_ACCESS_LOG": "false"}


class VoteStream:
    """Readers voting over HTTP, one thread each, each vote retried until acknowledged."""

    def __init__(self, base: str, readers: int = 6) -> None:
        self.base = f"{base}/v1/sites/{SITE}"
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.acked = 0
        self.unavailable = 0
        self.slowest = 0.0
        self.failures: list[str] = []
        self.final: dict[str, dict[str, str]] = {a: {} for a in ARTICLES}  # article -> reader -> mood
        self.threads = [threading.Thread(target=self._run, args=(i,), daemon=True)
                        for i in range(readers)]

    def start(self) -> "VoteStream":
        for t in self.threads:
            t.start()
        return self

    def finish(self) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(60)
        assert not any(t.is_alive() for t in self.threads), "a reader thread hung"

    def _call(self, session, method, path, **kwargs):
        """One request; 503 answers are checked and counted, None is returned for them."""
        started = time.monotonic()
        try:
            r = session.request(method, self.base + path, timeout=CLIENT_TIMEOUT, **kwargs)
        except requests.RequestException as exc:  # a hang past the timeout, or a reset
            with self.lock:
                self.failures.append(f"{method} {path}: {exc!r}")
            time.sleep(0.1)
            return None
        elapsed = time.monotonic() - started
        with self.lock:
            self.slowest = max(self.slowest, elapsed)
        if r.status_code == 503:
            body = r.json()  # must be JSON
            ok = body["error"]["code"] == "storage_unavailable" and r.headers.get("Retry-After")
            with self.lock:
                self.unavailable += 1
                if not ok:
                    self.failures.append(f"{method} {path}: 503 {body} {dict(r.headers)}")
            time.sleep(0.05)
            return None
        if r.status_code >= 300:
            with self.lock:
                self.failures.append(f"{method} {path}: {r.status_code} {r.text[:300]}")
            time.sleep(0.1)
            return None
        return r

    def _until_acknowledged(self, session, method, path, **kwargs):
        while True:
            r = self._call(session, method, path, **kwargs)
            if r is not None:
                return r
            if len(self.failures) > 50:
                raise RuntimeError("too many failures")

    def _run(self, index: int) -> None:
        session = requests.Session()
        token = self._until_acknowledged(session, "POST", "/readers").json()["reader_token"]
        headers = {"X-Reader-Token": token}
        reader = self._until_acknowledged(session, "GET", "/readers/me",
                                          headers=headers).json()["reader"]
        pending: dict[str, str] = {}  # article -> the vote not acknowledged yet
        n = 0
        while pending or not self.stop.is_set():
            if len(self.failures) > 50:
                return
            if self.stop.is_set():  # finish what was started, then stop
                article, mood = next(iter(pending.items()))
            else:
                article = ARTICLES[n % len(ARTICLES)]
                # a vote not acknowledged is retried before the article gets a newer one
                mood = pending.get(article) or MOODS[(n // len(ARTICLES) + index) % len(MOODS)]
                n += 1
            r = self._call(session, "PUT", f"/articles/{article}/reactions/mine",
                           json={"mood": mood}, headers=headers)
            if r is None:
                pending[article] = mood
                continue
            pending.pop(article, None)
            with self.lock:
                self.final[article][reader] = mood
                self.acked += 1

    def wait_acked(self, more: int, timeout: float = 120) -> None:
        target = self.acked + more
        wait_for(lambda: self.acked >= target or len(self.failures) > 50, timeout=timeout,
                 what=f"{more} more acknowledged votes")


def _ranking_snapshot(base: str) -> dict:
    out = {}
    for by in ("reactions", *MOODS):
        for window in ("1h", "24h", "all"):
            r = requests.get(f"{base}/v1/sites/{SITE}/rankings",
                             params={"by": by, "window": window, "limit": 100}, timeout=10)
            assert r.status_code == 200, r.text
            out[by, window] = [(i["article"], i["score"]) for i in r.json()["items"]]
    return out


def _check_after(stream: VoteStream, server: GunicornServer, redis_url: str) -> None:
    """Every acknowledged vote counted exactly once; rankings equal a rebuild."""
    from service import create_app

    assert not stream.failures, stream.failures[:5]
    assert stream.slowest < CLIENT_TIMEOUT
    app = create_app({"TESTING": True, "REDIS_URL": redis_url, "SECRET_KEY": SECRET_KEY,
                      "RATELIMIT_ENABLED": False, "SETTINGS_CACHE": False})
    services = app.extensions["xinqing"]
    try:
        for article in ARTICLES:
            records = services.store.vote_records(SITE, article)
            stored = {reader: record.split("|", 1)[0] for reader, record in records.items()}
            assert stored == stream.final[article], article
            body = requests.get(f"{server.url}/v1/sites/{SITE}/articles/{article}/reactions",
                                timeout=10).json()
            tally = Counter(stream.final[article].values())
            assert body["total"] == len(stream.final[article]), article
            assert {m: body["counts"][m] for m in MOODS} == {m: tally[m] for m in MOODS}, article
        expected = {a: len(v) for a, v in stream.final.items() if v}
        # the contract allows rankings 5 s to reflect a write
        try:
            wait_for(lambda: dict(_ranking_snapshot(server.url)["reactions", "all"]) == expected,
                     timeout=15, what="the reactions ranking to show every acknowledged vote")
        except TimeoutError:
            shown = dict(_ranking_snapshot(server.url)["reactions", "all"])
            outboxes = {a: services.store.client.hgetall(services.store.keys.rank_outbox(SITE, a))
                        for a in ARTICLES}
            seen = services.store.client.hgetall(services.store.keys.rank_seen(SITE, None))
            raise AssertionError(
                f"ranking off: { {a: (shown.get(a, 0), n) for a, n in expected.items() if shown.get(a, 0) != n} }"
                f"; outboxes {outboxes}; seen {seen}; ranking log lines:\n"
                + "\n".join(line[:400] for line in server.output().splitlines()
                            if "xinqing.rankings" in line)[-6000:])
        before = _ranking_snapshot(server.url)
        services.rankings.rebuild(SITE)
        after = _ranking_snapshot(server.url)
        assert before == after
        for mood in MOODS:
            assert dict(after[mood, "all"]) == {
                a: n for a, v in stream.final.items() if (n := Counter(v.values())[mood])}
    finally:
        services.sites.close()


def _create_site(url: str) -> None:
    r = requests.post(f"{url}/v1/admin/sites", json={"site": SITE, "require_meta": False},
                      headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=10)
    assert r.status_code == 201, r.text


def _replica_online(port: int) -> bool:
    info = redis.Redis(port=port, decode_responses=True, socket_timeout=1).info("replication")
    return info.get("connected_slaves", 0) >= 1 and info["slave0"]["state"] == "online"


@pytest.fixture
def replicated_cluster(redis_server):
    if redis_server is None:
        pytest.fail("failover tests need redis-server", pytrace=False)
    cluster = RedisClusterProcesses(masters=3, replicas=1)
    yield cluster
    cluster.stop()


def _cluster_failover(cluster, holding_rankings: bool) -> None:
    """Kill a master holding some articles under a vote stream (WAIT on) and check after."""
    from redis.cluster import RedisCluster

    from service.store.keys import Keys

    wait_for(lambda: len(cluster.masters()) == 3, timeout=30, what="replicas known as such")
    masters = cluster.masters()
    for port in masters:
        wait_for(lambda port=port: _replica_online(port), timeout=30, what="replicas online")
    url = "redis+cluster://" + ",".join(f"127.0.0.1:{p}" for p in cluster.ports)
    server = GunicornServer({"XINQING_REDIS_URL": url, **WAIT_ENV}, workers=2)
    try:
        _create_site(server.url)
        keys = Keys("xq")
        probe = RedisCluster(host="127.0.0.1", port=masters[0])
        owner = {a: probe.get_node_from_key(keys.votes(SITE, a)).port for a in ARTICLES}
        settings = probe.get_node_from_key(keys.site(SITE)).port
        rankings = probe.get_node_from_key(keys.rank_window(SITE, None, "reactions", "all")).port
        probe.close()
        # The victim holds some articles, never the site's settings (the rest of the site
        # keeps answering during the gap); it holds the site's rankings or not, as asked.
        candidates = [p for p in masters if p != settings and p in owner.values()
                      and (p == rankings) == holding_rankings]
        if not candidates:
            pytest.fail(f"no master fits (settings on {settings}, rankings on {rankings}, "
                        f"articles on {sorted(set(owner.values()))})")
        victim = candidates[0]
        stream = VoteStream(server.url).start()
        stream.wait_acked(200)
        cluster.kill(victim)
        killed_at = time.monotonic()
        wait_for(lambda: len(cluster.masters()) == 3 and victim not in cluster.masters(),
                 timeout=30, what="a replica promoted")
        failover = time.monotonic() - killed_at
        stream.wait_acked(30)           # the other masters' slots keep going
        cluster.restart(victim)         # comes back as the new master's replica
        wait_for(lambda: all(_replica_online(p) for p in cluster.masters()), timeout=60,
                 what="every master has a replica again")
        stream.wait_acked(200)          # every slot acknowledges writes again
        stream.finish()
        print(f"cluster failover {failover:.1f} s; {stream.acked} acknowledged, "
              f"{stream.unavailable} answered 503; slowest {stream.slowest:.2f} s")
        assert stream.unavailable > 0, "the gap was never seen: the test tested nothing"
        _check_after(stream, server, url)
    finally:
        server.stop()


def test_cluster_master_killed_under_load(replicated_cluster):
    """An article master dies. A vote's ranking ops wait in its article's outbox (same slot,
    same script as the record) until the scope has folded them, so a write the dead master
    took along (unreplicated; WAIT answered 503 and the retry writes it again) takes its
    ranking ops along too: the rankings equal a rebuild without one."""
    _cluster_failover(replicated_cluster, holding_rankings=False)


def test_cluster_rankings_master_killed_under_load(replicated_cluster):
    """The master of the site's rankings dies. Folds into it fail after their votes committed
    (logged, answered 200); the ops wait in the articles' outboxes, and the articles' next
    writes and the workers' retries fold them, each once: the rankings equal a rebuild
    without one."""
    _cluster_failover(replicated_cluster, holding_rankings=True)


@pytest.fixture
def sentinel_group(redis_server):
    """A master, two replicas and a Sentinel (quorum 1, down after 1 s)."""
    if redis_server is None:
        pytest.fail("failover tests need redis-server", pytrace=False)
    master = RedisServer()
    replicas = [RedisServer("--replicaof", "127.0.0.1", str(master.port)) for _ in range(2)]
    port = free_port()
    workdir = tempfile.mkdtemp(prefix="xq-sentinel-")
    conf = Path(workdir) / "sentinel.conf"
    conf.write_text(f"port {port}\nbind 127.0.0.1\ndir {workdir}\n"
                    f"sentinel monitor mymaster 127.0.0.1 {master.port} 1\n"
                    "sentinel down-after-milliseconds mymaster 1000\n"
                    "sentinel failover-timeout mymaster 10000\n")
    proc = subprocess.Popen([shutil.which("redis-server"), str(conf), "--sentinel"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sentinel = redis.Redis(port=port, decode_responses=True)
    try:
        wait_for(lambda: _replica_online(master.port)
                 and int(sentinel.sentinel_master("mymaster")["num-slaves"]) == 2,
                 timeout=30, what="sentinel sees both replicas")
        yield f"redis+sentinel://127.0.0.1:{port}/mymaster/0", master, replicas, sentinel
    finally:
        proc.terminate()
        proc.wait(5)
        for server in (master, *replicas):
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def test_sentinel_master_killed_under_load(sentinel_group):
    url, master, replicas, sentinel = sentinel_group
    server = GunicornServer({"XINQING_REDIS_URL": url, **WAIT_ENV}, workers=2)
    try:
        _create_site(server.url)
        stream = VoteStream(server.url).start()
        stream.wait_acked(200)
        master.proc.kill()
        master.proc.wait(5)
        killed_at = time.monotonic()

        def promoted() -> bool:
            host, port = sentinel.sentinel_get_master_addr_by_name("mymaster")
            return int(port) != master.port and _replica_online(int(port))

        wait_for(promoted, timeout=60, what="a replica promoted and the other following it")
        failover = time.monotonic() - killed_at
        stream.wait_acked(200)
        stream.finish()
        print(f"sentinel failover {failover:.1f} s; {stream.acked} acknowledged, "
              f"{stream.unavailable} answered 503; slowest {stream.slowest:.2f} s")
        assert stream.unavailable > 0, "the gap was never seen: the test tested nothing"
        _check_after(stream, server, url)
    finally:
        server.stop()
