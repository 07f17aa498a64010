"""Comments end to end under gunicorn: several worker processes, each with its page cache."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from conftest import ADMIN_TOKEN

pytestmark = pytest.mark.slow


def test_counts_and_cached_pages_stay_exact_across_workers(gunicorn_factory, redis_client):
    server = gunicorn_factory(workers=3)
    base = server.url + "/v1/sites/gmw"
    s = requests.Session()
    r = s.post(server.url + "/v1/admin/sites", json={"site": "gmw"},
               headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=5)
    assert r.status_code == 201
    readers = [{"X-Reader-Token": s.post(base + "/readers", timeout=5).json()["reader_token"]}
               for _ in range(12)]
    top = s.post(base + "/articles/a1/comments", json={"body": "楼主"}, headers=readers[0],
                 timeout=5).json()["id"]

    def act(i):
        with requests.Session() as own:
            assert own.post(base + "/articles/a1/comments", json={"body": f"回复 {i}", "parent": top},
                            headers=readers[i], timeout=5).status_code == 201
            assert own.put(f"{base}/comments/{top}/vote", json={"vote": "up"}, headers=readers[i],
                           timeout=5).status_code == 200
            # every worker caches the page while the others write
            assert own.get(base + "/articles/a1/comments", timeout=5).status_code == 200

    with ThreadPoolExecutor(6) as pool:
        list(pool.map(act, range(12)))
    # whichever worker answers, the public page shows every write
    for _ in range(9):
        page = requests.get(base + "/articles/a1/comments", timeout=5).json()
        assert page["count"] == 13
        item = page["items"][0]
        assert item["reply_count"] == 12 and item["votes"] == {"up": 12, "down": 0}
    summary = requests.get(base + "/articles/a1", timeout=5).json()
    assert summary["comments"]["count"] == 13
