"""Floors: a bare Flask app doing the same work as two of xinqing's requests, nothing more.

`PUT /floor/<site>/<article>/reaction` is the reaction PUT's floor: a JSON body, the reader
token's HMAC signature checked (xinqing's token format and key derivation), one Lua round trip
that moves the reader's record and the article's counters, a JSON answer. `GET
/floor/<site>/<article>/counts` is the public counts GET's floor: one HGETALL, a JSON answer.
Served like xinqing (same gunicorn settings) by bench/pipeline.py; BENCH_REDIS_URL and
BENCH_SECRET say where Redis is and which key signs tokens.
"""

import base64
import hashlib
import hmac
import os
import re

import redis
from flask import Flask, abort, jsonify, request

SCRIPT = """
local old = redis.call('HGET', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. '|' .. ARGV[3])
if old then redis.call('HINCRBY', KEYS[2], 'r:' .. string.match(old, '^[^|]*'), -1) end
redis.call('HINCRBY', KEYS[2], 'r:' .. ARGV[2], 1)
return redis.call('HGETALL', KEYS[2])
"""
TOKEN = re.compile(r"([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]{24})")


def create_app():
    app = Flask(__name__)
    client = redis.Redis.from_url(os.environ["BENCH_REDIS_URL"], decode_responses=True,
                                  socket_timeout=0.5, socket_connect_timeout=0.5)
    script = client.register_script(SCRIPT)
    key = hashlib.sha256(b"xinqing reader token|" + os.environ["BENCH_SECRET"].encode()).digest()

    def reader_of(site: str) -> str:
        match = TOKEN.fullmatch(request.headers.get("X-Reader-Token", ""))
        if not match:
            abort(401)
        reader, signature = match.groups()
        mac = hmac.new(key, f"{site}|{reader}".encode("ascii"), hashlib.sha256).digest()
        if not hmac.compare_digest(signature, base64.urlsafe_b64encode(mac[:18]).decode().rstrip("=")):
            abort(401)
        return reader

    @app.route("/floor/<site>/<article>/reaction", methods=["PUT"])
    def reaction(site, article):
        reader = reader_of(site)
        mood = (request.get_json() or {}).get("mood")
        if mood not in ("happy", "sad", "like", "meh"):
            abort(400)
        flat = script(keys=[f"floor:{{{site}:{article}}}:v", f"floor:{{{site}:{article}}}:n"],
                      args=[reader, mood, 1764400000])
        counts = {k[2:]: int(v) for k, v in zip(flat[::2], flat[1::2])}
        return jsonify({"article": article, "counts": counts, "total": sum(counts.values()),
                        "mine": mood})

    @app.route("/floor/<site>/<article>/counts")
    def counts(site, article):
        numbers = client.hgetall(f"floor:{{{site}:{article}}}:n")
        counts = {k[2:]: int(v) for k, v in numbers.items()}
        return jsonify({"article": article, "counts": counts, "total": sum(counts.values())})

    @app.route("/healthz")
    def healthz():
        return {"status": "ok"}

    return app
