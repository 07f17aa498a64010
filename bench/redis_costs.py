"""Redis CPU and memory per event, on a dedicated redis-server: the sizing guide's figures.

    .venv/bin/python bench/redis_costs.py [--events 4000] [--articles 1000]

Starts its own redis-server, builds xinqing against it (in-process, rate limits off) and
sends each kind of event through the real HTTP stack (Flask's test client): new votes, moved
votes, counted views, shares, comments, and the public reads. For each kind it prints the
Redis CPU per event (the server's own user+system CPU, INFO cpu, over the batch: parsing,
scripts and replies included) and the memory it added per event (INFO memory used_memory).
The sizing guide (docs/scaling.md) quotes these; rankings are included as they are written
today (one site, no channel).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import ADMIN, BODY, SECRET, start_redis  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=4000)
    parser.add_argument("--articles", type=int, default=1000)
    args = parser.parse_args()

    import redis

    from service import create_app

    redis_proc, url = start_redis()
    try:
        r = redis.Redis.from_url(url)
        app = create_app({"REDIS_URL": url, "SECRET_KEY": SECRET, "ADMIN_TOKEN": ADMIN,
                          "RATELIMIT_ENABLED": False, "ACCESS_LOG": False,
                          "LOG_LEVEL": "WARNING"})
        c = app.test_client()
        assert c.post("/v1/admin/sites", json={"site": "s", "require_meta": False},
                      headers={"Authorization": f"Bearer {ADMIN}"}).status_code == 201
        readers = [{"X-Reader-Token": c.post("/v1/sites/s/readers").get_json()["reader_token"]}
                   for _ in range(max(50, args.events // 20))]
        rng = random.Random(7)
        articles = [f"a{i}" for i in range(args.articles)]
        n = args.events

        def cpu() -> float:
            info = r.info("cpu")
            return info["used_cpu_user"] + info["used_cpu_sys"]

        def measure(label: str, send, count: int = n, expect: int = 200) -> None:
            r.execute_command("CONFIG", "RESETSTAT")
            mem0, cpu0, t0 = r.info("memory")["used_memory"], cpu(), time.perf_counter()
            for i in range(count):
                status = send(i)
                assert status == expect, (label, status)
            used, wall = cpu() - cpu0, time.perf_counter() - t0
            mem = r.info("memory")["used_memory"] - mem0
            stats = r.info("commandstats")
            calls = sum(v["calls"] for v in stats.values())
            usec = sum(v["usec"] for v in stats.values())
            print(f"{label:34s} Redis CPU {used / count * 1e6:6.0f} µs/event "
                  f"(commands {usec / count:5.0f} µs, {calls / count:4.1f} calls) | "
                  f"memory {mem / count:6.0f} B/event", flush=True)

        # one vote per (reader, article): new votes spread over the articles
        pairs = [(rd, a) for a in articles for rd in range(len(readers))]
        rng.shuffle(pairs)
        moods = ["happy", "sad", "like", "meh"]

        def vote(i, mood=None):
            rd, a = pairs[i]
            return c.put(f"/v1/sites/s/articles/{a}/reactions/mine",
                         json={"mood": mood or moods[i % 4]}, headers=readers[rd]).status_code

        print(f"{n} events per kind over {args.articles} articles, {len(readers)} readers; "
              f"dedicated redis-server")
        measure("vote (new)", vote)
        measure("vote (moved to another mood)", lambda i: vote(i, moods[(i + 1) % 4]))
        measure("view (counted)", lambda i: c.post(
            f"/v1/sites/s/articles/{articles[i % len(articles)]}/views",
            environ_base={"REMOTE_ADDR": f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}"}
        ).status_code)
        measure("share", lambda i: c.post(
            f"/v1/sites/s/articles/{articles[i % len(articles)]}/shares",
            json={"channel": ["weibo", "wechat", "qq"][i % 3]},
            headers=readers[i % len(readers)]).status_code)
        measure("comment (published)", lambda i: c.post(
            f"/v1/sites/s/articles/{articles[i % len(articles)]}/comments",
            json={"body": f"{i} {BODY}"}, headers=readers[i % len(readers)]).status_code,
            count=max(200, n // 4), expect=201)
        measure("public counts GET", lambda i: c.get(
            f"/v1/sites/s/articles/{articles[i % len(articles)]}/reactions").status_code)
        measure("ranking GET (24h, top 10)", lambda i: c.get(
            "/v1/sites/s/rankings?by=reactions&window=24h").status_code, count=max(200, n // 4))
        app.extensions["xinqing"].sites.close()
    finally:
        redis_proc.stop()


if __name__ == "__main__":
    main()
