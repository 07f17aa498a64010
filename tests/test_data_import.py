"""Import: every bad line reported (number and reason) with nothing written; a second import
changes nothing; --site renames; the command line end to end (stdin, --check, a file)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time

import orjson
import pytest

from conftest import ADMIN_TOKEN, ROOT, SECRET_KEY

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture
def site(api, client):
    editor = api.editor(api.create_site())
    readers = [api.reader() for _ in range(3)]
    client.put("/v1/sites/gmw/articles/a1/meta", headers=editor,
               json={"title": "t", "url": "https://e.com/1", "channel": "gansu"})
    for i, r in enumerate(readers):
        api.react(r, ["happy", "sad", "like"][i], article="a1")
        api.react(r, "happy", article="a2")
    c = client.post("/v1/sites/gmw/articles/a1/comments", headers=readers[0], json={"body": "好"})
    client.post("/v1/sites/gmw/articles/a1/comments", headers=readers[1],
                json={"body": "回复", "parent": c.get_json()["id"]})
    client.put(f"/v1/sites/gmw/comments/{c.get_json()['id']}/vote", headers=readers[2],
               json={"vote": "up"})
    client.post("/v1/sites/gmw/articles/a1/views", headers=readers[0])
    client.post("/v1/sites/gmw/articles/a2/shares", headers=readers[0], json={"channel": "qq"})
    return editor


def export(app, site_id="gmw") -> list[bytes]:
    from service.domain.portability import Exporter

    svc = app.extensions["xinqing"]
    out = io.BytesIO()
    Exporter(svc.portability, svc.sites, clock=svc.engagement.clock).write(site_id, out)
    return out.getvalue().split(b"\n")[:-1]


def snapshot(client) -> dict:
    """Every key of the Redis with its type and value (what "changes nothing" compares)."""
    out = {}
    for key in sorted(client.scan_iter(count=1000)):
        kind = client.type(key)
        if kind == "hash":
            out[key] = client.hgetall(key)
        elif kind == "zset":
            out[key] = client.zrange(key, 0, -1, withscores=True)
        elif kind == "set":
            out[key] = sorted(client.smembers(key))
        elif kind == "stream":
            out[key] = client.xrange(key)
        else:
            out[key] = client.dump(key)
    return out


def importer(app):
    from service.domain.portability import Importer

    svc = app.extensions["xinqing"]
    return Importer(svc.portability, svc.sites, svc.rankings, clock=svc.engagement.clock)


def test_export_shape_and_order(app, site):
    lines = [orjson.loads(line) for line in export(app)]
    assert lines[0]["type"] == "header" and lines[0]["site"] == "gmw" and lines[0]["version"] == 1
    assert lines[1]["type"] == "site" and lines[1]["settings"]["moods"][0]["key"] == "happy"
    assert lines[-1] == {"type": "end", "records": len(lines) - 1, "articles": 2}
    articles = [r["article"] for r in lines if r["type"] == "article"]
    assert articles == ["a1", "a2"]
    votes = [r for r in lines if r["type"] == "vote"]
    assert len(votes) == 6 and all(isinstance(v["cast_at"], int) for v in votes)
    assert {r["type"] for r in lines} >= {"comment", "comment_vote", "queue", "history"} - {"history"}


def test_second_import_changes_nothing(app, site, redis_client):
    lines = export(app)
    importer(app).load(lines)
    before = snapshot(redis_client)
    importer(app).load(lines)
    assert snapshot(redis_client) == before


def test_every_bad_line_is_reported_and_nothing_written(app, site, redis_client):
    lines = export(app)
    bad = list(lines)
    vote_at = next(i for i, line in enumerate(bad) if b'"type":"vote"' in line)
    bad[vote_at] = bad[vote_at].replace(b'"mood":"', b'"mood":"NOT A MOOD ')
    comment_at = next(i for i, line in enumerate(bad) if b'"type":"comment"' in line)
    bad[comment_at] = b'{"type":"comment","article":"a1"'                   # cut short
    bad.insert(3, b'{"type":"wat"}')
    bad[-1] = bad[-1].replace(b'"articles":2', b'"articles":3')
    from service.domain.portability import Validator

    found = list(Validator().check(bad))
    numbers = [b.line for b in found]
    assert vote_at + 2 in numbers and comment_at + 2 in numbers and 4 in numbers
    assert len(bad) in numbers
    reasons = " | ".join(str(b) for b in found)
    assert "mood" in reasons and "not JSON" in reasons and "unknown record type" in reasons
    # the command refuses the file and writes nothing
    redis_client.flushall()
    before = snapshot(redis_client)
    path = _write(bad)
    result = _cli(app, "import", path)
    assert result.returncode == 1
    assert f"line {vote_at + 2}:" in result.stderr and "nothing was written" in result.stderr
    assert snapshot(redis_client) == before


def test_truncated_or_reordered_files_are_refused():
    from service.domain.portability import Validator

    header = b'{"type":"header","format":"xinqing-export","version":1,"site":"s","exported_at":"x"}'
    assert [str(b) for b in Validator().check([header])] == [
        "line 2: the file ends without its end record (cut short?)"]
    article = (b'{"type":"article","article":"%s","meta":null,"views":{"pv":0,"uv":0},'
               b'"shares":{},"activity":{},"visitors":null,"comment_seq":null,'
               b'"comment_version":null}')
    site = b'{"type":"site","settings":{}}'
    vote = b'{"type":"vote","article":"b","reader":"AAAAAAAAAAAAAAAA","mood":"happy","cast_at":1}'
    lines = [header, site, article % b"b", vote, vote, article % b"a",
             b'{"type":"end","records":6,"articles":2}']
    reasons = [str(b) for b in Validator().check(lines)]
    assert any(r.startswith("line 5: a second vote") for r in reasons)
    assert any(r.startswith("line 6: articles must come in increasing order") for r in reasons)


def test_import_under_another_site_and_into_a_new_store(app_factory, app, site, redis_client,
                                                        clock):
    lines = export(app)
    importer(app).load(lines, site="gmw-copy")
    c = app.test_client()
    for path in ("/articles/a1", "/articles/a2/shares", "/articles/a1/comments",
                 "/rankings?by=happy&window=all"):
        a = c.get("/v1/sites/gmw" + path).get_json()
        b = c.get("/v1/sites/gmw-copy" + path).get_json()
        a.pop("generated_at", None), b.pop("generated_at", None)
        if "site" in a:
            a["site"] = b["site"]
        assert a == b, path
    # the same editor token works for the copy (the digest travelled)
    assert c.get("/v1/sites/gmw-copy/settings", headers=site).status_code == 200


def test_command_line_round_trip_through_stdin(app, site, redis_client):
    result = _cli(app, "export", "gmw")
    assert result.returncode == 0, result.stderr
    exported = result.stdout
    assert exported.splitlines()[0].startswith('{"type":"header"')
    check = _cli(app, "import", "--check", stdin=exported)
    assert check.returncode == 0 and "all good" in check.stderr
    imported = _cli(app, "import", "--site", "gmw2", "--new-editor-token", stdin=exported)
    assert imported.returncode == 0, imported.stderr
    token = imported.stdout.split(": ")[-1].strip()
    c = app.test_client()
    assert c.get("/v1/sites/gmw2/settings",
                 headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert c.get("/v1/sites/gmw2/settings", headers=site).status_code == 401
    assert (c.get("/v1/sites/gmw2/articles/a1").get_json()["reactions"]
            == c.get("/v1/sites/gmw/articles/a1").get_json()["reactions"])


def _write(lines: list[bytes]) -> str:
    import tempfile

    f = tempfile.NamedTemporaryFile("wb", suffix=".jsonl", delete=False)
    f.write(b"\n".join(lines) + b"\n")
    f.close()
    return f.name


def _cli(app, *args, stdin: str | None = None) -> subprocess.CompletedProcess:
    url = app.config.get("REDIS_URL")
    if not url:
        pytest.fail("the command line tests need redis-server", pytrace=False)
    env = {**os.environ, "XINQING_REDIS_URL": url, "XINQING_SECRET_KEY": SECRET_KEY,
           "XINQING_LOG_LEVEL": "WARNING"}
    return subprocess.run([sys.executable, "-m", "service.cli", *args], cwd=ROOT, env=env,
                          input=stdin, capture_output=True, text=True, timeout=60)


def test_an_embedded_store_exports_its_visitor_estimate(app_factory, redis_server, redis_client):
    """fakeredis keeps HLLs its own way: the export carries the estimate, and the import
    rebuilds an HLL estimating about as many visitors (uv itself travels exactly)."""
    import fakeredis

    fake = fakeredis.FakeRedis(decode_responses=True)
    embedded = app_factory(REDIS_CLIENT=fake, SETTINGS_CACHE=False, REDIS_URL="")
    c = embedded.test_client()
    c.post("/v1/admin/sites", json={"site": "gmw"}, headers=ADMIN)
    for i in range(300):
        c.post("/v1/sites/gmw/articles/a1/views", environ_base={"REMOTE_ADDR": f"10.0.{i // 250}.{i % 250}"})
    uv = c.get("/v1/sites/gmw/articles/a1").get_json()["views"]["uv"]
    lines = export(embedded)
    article = next(orjson.loads(x) for x in lines if b'"type":"article"' in x)
    assert article["visitors"] == {"estimate": uv}
    real = app_factory()
    importer(real).load(lines)
    assert real.test_client().get("/v1/sites/gmw/articles/a1").get_json()["views"]["uv"] == uv
    assert abs(redis_client.pfcount("xq:{gmw:a1}:uv") - uv) <= uv * 0.03


def test_exports_taken_while_readers_write_are_consistent(app, api, client):
    """Each article is read in one script: an export taken while comments and their votes
    pour in never holds a vote on a comment it lacks, and its vote records add up."""
    import threading

    from service.domain.portability import Validator

    api.create_site()
    readers = [api.reader() for _ in range(4)]
    stop = threading.Event()

    def write(reader):
        c = app.test_client()
        while not stop.is_set():
            r = c.post("/v1/sites/gmw/articles/a1/comments", headers=reader,
                       json={"body": f"x{threading.get_ident()}{time.monotonic_ns()}"})
            if r.status_code == 201:
                c.put(f"/v1/sites/gmw/comments/{r.get_json()['id']}/vote", headers=reader,
                      json={"vote": "up"})
            c.put("/v1/sites/gmw/articles/a1/reactions/mine", headers=reader,
                  json={"mood": "happy" if time.monotonic_ns() % 2 else "sad"})

    threads = [threading.Thread(target=write, args=(r,)) for r in readers]
    for t in threads:
        t.start()
    try:
        for _ in range(6):
            lines = export(app)
            assert not [str(b) for b in Validator().check(lines)]
            records = [orjson.loads(x) for x in lines]
            votes = {r["seq"] for r in records if r["type"] == "comment_vote"}
            assert votes <= {r["seq"] for r in records if r["type"] == "comment"}
    finally:
        stop.set()
        for t in threads:
            t.join()


def test_the_fast_vote_check_accepts_only_what_the_schema_accepts():
    """Vote lines skip marshmallow when plainly valid; never one the schema would refuse."""
    from marshmallow import ValidationError

    from service.domain.portability import _SCHEMAS, _plainly_valid_vote

    good = {"type": "vote", "article": "a1", "reader": "A" * 16, "mood": "happy",
            "cast_at": 1700000000}
    mutations = [{"cast_at": True}, {"cast_at": -1}, {"cast_at": 1.0}, {"cast_at": 2 ** 40},
                 {"reader": "A" * 15}, {"reader": "A" * 15 + "!"}, {"mood": "Happy"},
                 {"mood": "happy\n"}, {"article": "a\n"}, {"article": ""}, {"extra": 1},
                 {"article": 7}, {"type": "votes"}]
    assert _plainly_valid_vote(good) and _SCHEMAS["vote"].load(good) == good
    for change in mutations:
        data = {**good, **change}
        if _plainly_valid_vote(data):
            assert _SCHEMAS["vote"].load(data) == data, change
        else:
            with pytest.raises(ValidationError):
                _SCHEMAS["vote"].load(data)
    assert not _plainly_valid_vote({k: v for k, v in good.items() if k != "mood"})
