"""Counts are exact under real concurrency: gunicorn with several worker processes."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

import requests

from conftest import ADMIN_TOKEN


def _site(base):
    r = requests.post(f"{base}/v1/admin/sites", json={"site": "gmw"},
                      headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=5)
    assert r.status_code == 201, r.text


def _reader(base):
    r = requests.post(f"{base}/v1/sites/gmw/readers", timeout=5)
    assert r.status_code == 201, r.text
    return r.json()["reader_token"]


def test_200_distinct_readers_at_once_count_exactly_200(gunicorn_factory, redis_client):
    server = gunicorn_factory(workers=4)
    _site(server.url)
    with ThreadPoolExecutor(32) as pool:
        tokens = list(pool.map(lambda _: _reader(server.url), range(200)))
    assert len(set(tokens)) == 200

    def put(token):
        return requests.put(f"{server.url}/v1/sites/gmw/articles/hot-story/reactions/mine",
                            json={"mood": "happy"}, headers={"X-Reader-Token": token}, timeout=10)

    with ThreadPoolExecutor(50) as pool:
        statuses = [r.status_code for r in pool.map(put, tokens)]
    assert statuses == [200] * 200
    body = requests.get(f"{server.url}/v1/sites/gmw/articles/hot-story/reactions", timeout=5).json()
    assert body["counts"]["happy"] == 200 and body["total"] == 200
    assert redis_client.hlen("xq:{gmw:hot-story}:rv") == 200


def test_one_reader_racing_50_puts_holds_one_vote(gunicorn_factory, redis_client):
    server = gunicorn_factory(workers=4)
    _site(server.url)
    token = _reader(server.url)
    moods = [random.choice(["happy", "sad", "like", "meh"]) for _ in range(50)]

    def put(mood):
        return requests.put(f"{server.url}/v1/sites/gmw/articles/a1/reactions/mine",
                            json={"mood": mood}, headers={"X-Reader-Token": token}, timeout=10)

    with ThreadPoolExecutor(50) as pool:
        statuses = [r.status_code for r in pool.map(put, moods)]
    assert statuses == [200] * 50
    body = requests.get(f"{server.url}/v1/sites/gmw/articles/a1/reactions",
                        headers={"X-Reader-Token": token}, timeout=5).json()
    assert body["total"] == 1
    assert body["counts"][body["mine"]] == 1
    assert redis_client.hlen("xq:{gmw:a1}:rv") == 1
    # the stored numbers hold exactly one vote, and no negative or stray counts
    numbers = redis_client.hgetall("xq:{gmw:a1}:n")
    assert numbers == {f"r:{body['mine']}": "1"}
