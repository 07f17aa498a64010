"""Redis unreachable: 503 JSON with Retry-After within about a second, /readyz 503, recovery."""

from __future__ import annotations

import time

from conftest import ADMIN_TOKEN, SECRET_KEY, wait_for


def test_outage_gives_fast_503_and_recovers(own_redis):
    from service import create_app

    app = create_app({"TESTING": True, "REDIS_URL": own_redis.url, "SECRET_KEY": SECRET_KEY,
                      "ADMIN_TOKEN": ADMIN_TOKEN, "RATELIMIT_ENABLED": True})
    client = app.test_client()
    r = client.post("/v1/admin/sites", json={"site": "gmw"},
                    headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert r.status_code == 201
    reader = {"X-Reader-Token": client.post("/v1/sites/gmw/readers").get_json()["reader_token"]}
    assert client.put("/v1/sites/gmw/articles/a/reactions/mine", json={"mood": "sad"},
                      headers=reader).status_code == 200
    port = own_redis.port
    own_redis.stop()

    for method, path, body in (("GET", "/v1/sites/gmw/articles/a/reactions", None),
                               ("PUT", "/v1/sites/gmw/articles/a/reactions/mine", {"mood": "happy"}),
                               ("POST", "/v1/sites/gmw/readers", None),
                               ("GET", "/readyz", None)):
        started = time.monotonic()
        r = client.open(path, method=method, json=body, headers=reader)
        elapsed = time.monotonic() - started
        assert r.status_code == 503, (path, r.status_code, r.get_json())
        assert r.get_json()["error"]["code"] == "storage_unavailable"
        assert int(r.headers["Retry-After"]) >= 1
        assert elapsed < 1.5, (path, elapsed)
    assert client.get("/healthz").status_code == 200

    # the same port comes back (a restarted Redis, empty): the app recovers on its own
    import shutil
    import subprocess

    proc = subprocess.Popen([shutil.which("redis-server"), "--port", str(port), "--bind",
                             "127.0.0.1", "--save", "", "--appendonly", "no"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: client.get("/readyz").status_code == 200, timeout=10, what="recovery")
        r = client.post("/v1/admin/sites", json={"site": "gmw"},
                        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
        assert r.status_code == 201
        r = client.put("/v1/sites/gmw/articles/a/reactions/mine", json={"mood": "happy"},
                       headers=reader)
        assert r.status_code == 200 and r.get_json()["counts"]["happy"] == 1
    finally:
        proc.terminate()
        proc.wait(5)


def test_a_stalled_redis_cannot_hang_a_request():
    """A server that accepts connections but never answers: socket timeouts bound the wait."""
    import socket
    import threading

    from service import create_app

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    accepted = []
    stop = threading.Event()

    def accept_forever():
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept_forever, daemon=True)
    thread.start()
    try:
        port = listener.getsockname()[1]
        app = create_app({"TESTING": True, "REDIS_URL": f"redis://127.0.0.1:{port}/0",
                          "SECRET_KEY": SECRET_KEY, "RATELIMIT_ENABLED": False,
                          "SETTINGS_CACHE": False})
        client = app.test_client()
        started = time.monotonic()
        r = client.get("/v1/sites/gmw/articles/a/reactions")
        elapsed = time.monotonic() - started
        assert r.status_code == 503 and r.headers["Retry-After"]
        assert elapsed < 1.6, elapsed
    finally:
        stop.set()
        thread.join(2)
        for conn in accepted:
            conn.close()
        listener.close()
