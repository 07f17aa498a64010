"""XINQING_REDIS_URL=redis+sentinel://… finds the master through a real Sentinel."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
import redis

from conftest import ADMIN_TOKEN, SECRET_KEY, ApiHelper, RedisServer, free_port, wait_for


@pytest.fixture
def sentinel(redis_server):
    if redis_server is None:
        pytest.fail("needs redis-server", pytrace=False)
    master = RedisServer()
    port = free_port()
    workdir = tempfile.mkdtemp(prefix="xq-sentinel-")
    conf = Path(workdir) / "sentinel.conf"
    conf.write_text(f"port {port}\nbind 127.0.0.1\ndir {workdir}\n"
                    f"sentinel monitor mymaster 127.0.0.1 {master.port} 1\n"
                    "sentinel down-after-milliseconds mymaster 1000\n")
    proc = subprocess.Popen([shutil.which("redis-server"), str(conf), "--sentinel"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: redis.Redis(port=port).execute_command(
            "SENTINEL", "get-master-addr-by-name", "mymaster"), what="sentinel")
        yield f"redis+sentinel://127.0.0.1:{port}/mymaster/0", master
    finally:
        proc.terminate()
        proc.wait(5)
        master.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def test_the_service_runs_through_sentinel(sentinel):
    from service import create_app

    url, master = sentinel
    app = create_app({"TESTING": True, "REDIS_URL": url, "SECRET_KEY": SECRET_KEY,
                      "ADMIN_TOKEN": ADMIN_TOKEN, "RATELIMIT_ENABLED": False})
    api = ApiHelper(app.test_client())
    api.create_site()
    reader = api.reader()
    assert api.react(reader, "like").get_json()["counts"]["like"] == 1
    assert master.client().hget("xq:{gmw:a1}:n", "r:like") == "1"
    app.extensions["xinqing"].sites.close()
