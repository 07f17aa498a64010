"""A Redis that refuses writes answers 503 with Retry-After, never 500.

Each state is produced on a real redis-server of the test's own: out of memory under
noeviction (OOM), a failed snapshot with stop-writes-on-bgsave-error (MISCONF), a replica
(READONLY), a server loading its data set (LOADING) and one stuck in a script (BUSY). The
cluster-only replies (CLUSTERDOWN, TRYAGAIN, MASTERDOWN) and NOREPLICAS go through redis-py's
own reply parser. `/readyz` must say when writes cannot succeed, and a write that committed
is never answered with an error.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
import time

import pytest
import redis

from conftest import ADMIN_TOKEN, SECRET_KEY, RedisServer, free_port, wait_for

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
RETRY_AFTER = 7  # an unusual value: every 503 must carry exactly this one


def _app(url, **extra):
    from service import create_app

    return create_app({"TESTING": True, "REDIS_URL": url, "SECRET_KEY": SECRET_KEY,
                       "ADMIN_TOKEN": ADMIN_TOKEN, "RATELIMIT_ENABLED": True,
                       "RETRY_AFTER": RETRY_AFTER, **extra})


class Site:
    """A site with an editor and a reader on `client`, and the writes a test tries."""

    def __init__(self, client, create: bool = True):
        self.client = client
        if not create:  # the site exists (a replica of the primary that has it)
            self.editor = {}
            self.reader = {"X-Reader-Token": client.post("/v1/sites/gmw/readers").get_json()["reader_token"]}
            return
        r = client.post("/v1/admin/sites", json={"site": "gmw"}, headers=ADMIN)
        assert r.status_code == 201, r.get_json()
        self.editor = {"Authorization": "Bearer " + r.get_json()["editor_token"]}
        self.reader = {"X-Reader-Token": client.post("/v1/sites/gmw/readers").get_json()["reader_token"]}
        assert self.client.put("/v1/sites/gmw/articles/a/reactions/mine", json={"mood": "sad"},
                               headers=self.reader).status_code == 200

    def writes(self):
        return (
            ("PUT", "/v1/sites/gmw/articles/a/reactions/mine", {"mood": "happy"}, self.reader),
            ("POST", "/v1/sites/gmw/articles/a/shares", {"channel": "wechat"}, self.reader),
            ("POST", "/v1/sites/gmw/articles/a/shares", {"channel": "weibo"}, {}),
            ("POST", "/v1/sites/gmw/articles/a/views", None, self.reader),
            ("POST", "/v1/sites/gmw/articles/a/comments", {"body": "好文"}, self.reader),
            ("PATCH", "/v1/sites/gmw/settings", {"cache_max_age": 9}, self.editor),
            ("PUT", "/v1/sites/gmw/articles/a/meta", {"title": "t", "url": "https://e.com/a"},
             self.editor),
            ("POST", "/v1/admin/sites", {"site": "other"}, ADMIN),
        )

    def assert_writes_503(self, state):
        for method, path, body, headers in self.writes():
            r = self.client.open(path, method=method, json=body, headers=headers)
            assert r.status_code == 503, (state, method, path, r.status_code, r.get_json())
            assert r.get_json()["error"]["code"] == "storage_unavailable", (state, path)
            assert r.headers["Retry-After"] == str(RETRY_AFTER), (state, path, r.headers)

    def assert_not_ready(self, state):
        r = self.client.get("/readyz")
        assert r.status_code == 503, (state, r.get_json())
        assert r.headers["Retry-After"] == str(RETRY_AFTER)
        assert self.client.get("/healthz").status_code == 200

    def assert_recovered(self, state):
        wait_for(lambda: self.client.get("/readyz").status_code == 200, timeout=10,
                 what=f"ready after {state}")
        r = self.client.put("/v1/sites/gmw/articles/a/reactions/mine", json={"mood": "like"},
                            headers=self.reader)
        assert r.status_code == 200 and r.get_json()["mine"] == "like", (state, r.get_json())


def test_out_of_memory_under_noeviction(own_redis):
    client = _app(own_redis.url).test_client()
    site = Site(client)
    admin = own_redis.client()
    admin.config_set("maxmemory-policy", "noeviction")
    admin.config_set("maxmemory", "1")
    site.assert_writes_503("OOM")
    site.assert_not_ready("OOM")
    # reads still work
    assert client.get("/v1/sites/gmw/articles/a/reactions").get_json()["counts"]["sad"] == 1
    admin.config_set("maxmemory", "0")
    site.assert_recovered("OOM")


def test_misconf_a_failed_snapshot_stops_writes(redis_server):
    own_redis = RedisServer("--enable-protected-configs", "yes")  # CONFIG SET dir
    try:
        _misconf(own_redis)
    finally:
        own_redis.stop()


def _misconf(own_redis):
    client = _app(own_redis.url).test_client()
    site = Site(client)
    admin = own_redis.client()
    doomed = tempfile.mkdtemp(prefix="xq-misconf-")
    admin.config_set("dir", doomed)
    admin.config_set("save", "900 1")
    admin.config_set("stop-writes-on-bgsave-error", "yes")
    os.rmdir(doomed)  # the snapshot cannot be written: BGSAVE fails
    admin.bgsave()
    wait_for(lambda: admin.info("persistence")["rdb_last_bgsave_status"] == "err",
             what="a failed BGSAVE")
    site.assert_writes_503("MISCONF")
    site.assert_not_ready("MISCONF")
    assert client.get("/v1/sites/gmw/articles/a/reactions").status_code == 200
    admin.config_set("dir", own_redis.dir)
    admin.bgsave()
    wait_for(lambda: admin.info("persistence")["rdb_last_bgsave_status"] == "ok",
             what="a good BGSAVE")
    site.assert_recovered("MISCONF")


def test_a_replica_is_readonly(own_redis):
    primary = _app(own_redis.url).test_client()
    Site(primary)
    replica = RedisServer("--replicaof", "127.0.0.1", str(own_redis.port))
    try:
        wait_for(lambda: replica.client().info("replication")["master_link_status"] == "up",
                 what="replication")
        wait_for(lambda: replica.client().exists("xq:site:{gmw}"), what="the site replicated")
        client = _app(replica.url).test_client()
        site = Site(client, create=False)
        for method, path, body, headers in site.writes():
            if "settings" in path or "meta" in path:
                continue  # need the editor token, which a read-only replica cannot check against
            r = client.open(path, method=method, json=body, headers=headers)
            assert r.status_code == 503, (path, r.status_code, r.get_json())
            assert r.headers["Retry-After"] == str(RETRY_AFTER)
        site.assert_not_ready("READONLY")
        assert client.get("/v1/sites/gmw/articles/a/reactions").get_json()["counts"]["sad"] == 1
        # after a failover the replica is promoted and takes writes
        replica.client().replicaof("NO", "ONE")
        wait_for(lambda: client.get("/readyz").status_code == 200, what="promotion")
        r = client.put("/v1/sites/gmw/articles/a/reactions/mine", json={"mood": "like"},
                       headers=site.reader)
        assert r.status_code == 200, r.get_json()
    finally:
        replica.stop()


def test_busy_a_script_that_will_not_end(own_redis):
    client = _app(own_redis.url).test_client()
    site = Site(client)
    own_redis.client().config_set("busy-reply-threshold", "50")
    stuck = redis.Redis(port=own_redis.port)

    def run_forever():
        try:
            stuck.eval("while true do end", 0)
        except redis.RedisError:
            pass  # killed

    runner = threading.Thread(target=run_forever, daemon=True)
    runner.start()
    try:
        probe = redis.Redis(port=own_redis.port, socket_timeout=2)
        wait_for(lambda: _is_busy(probe), what="BUSY")
        site.assert_writes_503("BUSY")
        site.assert_not_ready("BUSY")
    finally:
        _kill_script(own_redis.port)
        runner.join(5)
    site.assert_recovered("BUSY")


def _is_busy(client) -> bool:
    try:
        client.get("x")
    except redis.ResponseError as exc:
        return str(exc).startswith("BUSY")
    return False


def _kill_script(port):
    def kill():
        try:
            redis.Redis(port=port, socket_timeout=2).script_kill()
        except redis.ResponseError as exc:  # NOTBUSY: already over
            return "NOTBUSY" in str(exc)
        return True

    wait_for(kill, what="SCRIPT KILL")


def test_loading_while_redis_reads_its_data_set(redis_server):
    """A restarted Redis answers LOADING until its data set is in memory."""
    binary = shutil.which("redis-server")
    port, data = free_port(), tempfile.mkdtemp(prefix="xq-loading-")
    common = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
              "--appendonly", "no", "--dir", data, "--enable-debug-command", "local"]
    url = f"redis://127.0.0.1:{port}/0"
    first = subprocess.Popen(common, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    second = None
    try:
        wait_for(lambda: redis.Redis(port=port).ping(), what="redis")
        site = Site(_app(url).test_client())
        redis.Redis(port=port).execute_command("DEBUG", "POPULATE", 20000)
        redis.Redis(port=port).save()
        first.terminate()
        first.wait(5)
        # 20,000 keys at 100 µs each: about two seconds of LOADING
        second = subprocess.Popen(common + ["--key-load-delay", "100",
                                            "--loading-process-events-interval-bytes", "1024"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: _is_loading(port), timeout=5, interval=0.01, what="LOADING")
        site.client = _app(url).test_client()
        r = site.client.put("/v1/sites/gmw/articles/a/reactions/mine", json={"mood": "happy"},
                            headers=site.reader)
        assert r.status_code == 503 and r.headers["Retry-After"] == str(RETRY_AFTER), r.get_json()
        site.assert_not_ready("LOADING")
        site.assert_recovered("LOADING")
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait(5)
        shutil.rmtree(data, ignore_errors=True)


def _is_loading(port) -> bool:
    """A raw write (redis-py would retry LOADING, a ConnectionError, until loading ends)."""
    import socket

    with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
        sock.sendall(b"SET xq-probe 1\r\n")
        return sock.recv(64).startswith(b"-LOADING")


REPLIES = [
    "OOM command not allowed when used memory > 'maxmemory'. script: 1f, on @user_script:12.",
    "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist",
    "READONLY You can't write against a read only replica.",
    "LOADING Redis is loading the dataset in memory",
    "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.",
    "NOREPLICAS Not enough good replicas to write.",
    "CLUSTERDOWN The cluster is down",
    "TRYAGAIN Multiple keys request during rehashing of slot",
    "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.",
]


@pytest.mark.parametrize("reply", REPLIES, ids=[r.split()[0] for r in REPLIES])
def test_every_unavailable_reply_is_503(app, reply):
    """The error redis-py builds from each reply, raised by any command or pipeline."""
    from redis._parsers.base import BaseParser

    from conftest import ApiHelper

    api = ApiHelper(app.test_client())
    api.create_site()
    reader = api.reader()
    error = BaseParser.parse_error(reply)
    client = app.extensions["xinqing"].store.client

    def fail(*args, **kwargs):
        raise error

    class FailingPipeline:
        def __getattr__(self, name):
            return lambda *a, **k: self

        def __len__(self):
            return 1

        def execute(self, *args, **kwargs):
            raise error

    original = client.execute_command, client.pipeline
    client.execute_command = fail
    client.pipeline = lambda *a, **k: FailingPipeline()
    app.extensions["xinqing"].sites._cache.clear()
    try:
        for method, path, body in (
                ("PUT", "/v1/sites/gmw/articles/a/reactions/mine", {"mood": "happy"}),
                ("POST", "/v1/sites/gmw/articles/a/comments", {"body": "好"}),
                ("GET", "/v1/sites/gmw/articles?ids=a,b", None),
                ("GET", "/readyz", None)):
            r = api.client.open(path, method=method, json=body, headers=reader)
            assert r.status_code == 503, (reply, path, r.status_code, r.get_json())
            assert r.get_json()["error"]["code"] == "storage_unavailable"
            assert r.headers["Retry-After"] == str(app.config["RETRY_AFTER"])
    finally:
        client.execute_command, client.pipeline = original
    # an error that is a bug (not the store being unavailable) stays a 500
    assert not _is_unavailable(redis.ResponseError("WRONGTYPE Operation against a key"))


def _is_unavailable(exc) -> bool:
    from service.store.connection import unavailable

    return unavailable(exc)


def test_a_committed_comment_is_answered_201_when_its_index_step_fails(own_redis, caplog):
    """The moderation-index step after the comment's commit is refused by Redis (an ACL
    that may not write the index): the comment exists, so the answer is 201, and a retry
    with the same Idempotency-Key creates nothing."""
    client = _app(own_redis.url, RATELIMIT_ENABLED=False).test_client()
    site = Site(client)
    admin = own_redis.client()
    admin.acl_setuser("app", enabled=True, passwords=["+app-password-123"], commands=["+@all"],
                      channels=["*"], keys=["%R~*", "xq:{gmw:*", "xq:rk:*", "xq:site:*",
                                            "xq:sites", "xq:readyz"])
    app_url = own_redis.url.replace("redis://", "redis://app:app-password-123@")
    client = _app(app_url, RATELIMIT_ENABLED=False).test_client()
    post = dict(json={"body": "写进去了"},
                headers={**site.reader, "Idempotency-Key": "retry-me-0001"})
    r = client.post("/v1/sites/gmw/articles/a/comments", **post)
    assert r.status_code == 201, r.get_json()
    first = r.get_json()
    assert any("moderation index" in rec.getMessage() and rec.levelname == "ERROR"
               for rec in caplog.records)
    again = client.post("/v1/sites/gmw/articles/a/comments", **post)
    assert again.status_code == 201 and again.get_json() == first
    page = client.get("/v1/sites/gmw/articles/a/comments").get_json()
    assert [c["id"] for c in page["items"]] == [first["id"]] and page["count"] == 1


def test_a_created_site_is_answered_201_when_the_registry_step_fails(own_redis):
    """The site's own hash is written; adding it to the site list fails after that."""
    admin = own_redis.client()
    admin.acl_setuser("app", enabled=True, passwords=["+app-password-123"], commands=["+@all"],
                      channels=["*"], keys=["%R~*", "xq:site:*", "xq:readyz"])
    client = _app(own_redis.url.replace("redis://", "redis://app:app-password-123@")).test_client()
    r = client.post("/v1/admin/sites", json={"site": "gmw"}, headers=ADMIN)
    assert r.status_code == 201, r.get_json()
    token = r.get_json()["editor_token"]
    assert client.get("/v1/sites/gmw/settings",
                      headers={"Authorization": f"Bearer {token}"}).status_code == 200
