"""Baselines: a bare Flask app served like xinqing (same gunicorn settings).

`/echo` echoes a JSON body (the reference); `/lua` additionally runs one small Lua script
on Redis through redis-py (the floor for any Flask view that writes to Redis once), when
BENCH_REDIS_URL is set. Ratios against them say what xinqing adds on top of Flask itself.
"""

import os

from flask import Flask, jsonify, request

SCRIPT = """
local old = redis.call('HGET', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
if old then redis.call('HINCRBY', KEYS[2], old, -1) end
redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
return redis.call('HGETALL', KEYS[2])
"""


def create_app():
    app = Flask(__name__)
    url = os.environ.get("BENCH_REDIS_URL")
    script = None
    if url:
        import redis

        script = redis.Redis.from_url(url, decode_responses=True).register_script(SCRIPT)

    @app.route("/echo", methods=["GET", "POST", "PUT"])
    def echo():
        return jsonify(request.get_json(silent=True) or {})

    @app.route("/lua", methods=["PUT"])
    def lua():
        body = request.get_json(silent=True) or {}
        token = request.headers.get("X-Reader-Token", "anon")
        counts = script(keys=["bench:{a}:votes", "bench:{a}:counts"],
                        args=[token[:16], str(body.get("mood", "happy"))])
        return jsonify(dict(zip(counts[::2], counts[1::2])))

    @app.route("/healthz")
    def healthz():
        return {"status": "ok"}

    return app
