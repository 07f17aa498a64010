"""What ships of the reader widget: built from its current sources, within its size budgets
(gzipped, as served), every string in every language, and a sentence for every API error the
widget can meet. The widget itself runs in tests/browser/."""

from __future__ import annotations

import hashlib
import json
import re

import pytest

from conftest import ROOT

WEB = ROOT / "service" / "web"
SRC = WEB / "src" / "widget"
OUT = WEB / "static" / "widget"
RECORD = WEB / "src" / "widget.built.json"
LANGS = ("zh-CN", "zh-TW", "en")
PARTS = ("core", "comments", "reading")
GZIP = {"Accept-Encoding": "gzip"}

# Budgets, gzipped as served: a page with mood, share and rank boxes and count
# spans downloads the loader, the core, its stylesheet, the count script and one language's
# strings; the comments part adds its module, stylesheet and strings when it comes into view,
# and so does the reading part (相关阅读, 推荐阅读).
BUDGETS = {"core": 10 * 1024, "comments": 12 * 1024, "reading": 3 * 1024, "count": 1536}

# Every error code the widget can meet on the endpoints it calls (readers, reactions, shares,
# views, rankings, comments): each must read as a sentence in every language.
WIDGET_CODES = {
    "invalid_id", "missing_reader", "invalid_reader", "forbidden", "not_found", "site_not_found",
    "payload_too_large", "validation_error", "unknown_mood", "unknown_channel", "rate_limited",
    "storage_unavailable", "invalid_cursor", "comment_not_found", "not_comment_author",
    "reader_banned", "comments_closed", "duplicate_comment", "comment_not_votable",
    "invalid_parent", "comment_rejected", "cursor_expired",
}


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def files(root) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*")
            if p.is_file() and not p.name.startswith(".")}


def test_what_ships_is_built_from_the_current_sources():
    record = json.loads(RECORD.read_text("utf-8"))
    assert files(SRC) == set(record) == files(OUT), "sources and built files differ: make widget"
    for name, digests in record.items():
        assert sha(SRC / name) == digests["source"], \
            f"src/widget/{name} changed since the last build: run `make widget`"
        assert sha(OUT / name) == digests["built"], \
            f"static/widget/{name} was edited by hand: edit src/widget/{name}, run `make widget`"


def served(client, path: str) -> int:
    """Bytes on the wire for `path` from a client that accepts gzip."""
    r = client.get(path, headers=GZIP)
    assert r.status_code == 200, path
    if len(r.data) >= 256:  # smaller files are sent as they are (assets.py)
        assert r.headers["Content-Encoding"] == "gzip", path
    return len(r.data)


def test_size_budgets(client, app):
    assets = app.extensions["xinqing_assets"]

    def asset(name: str) -> int:
        return served(client, assets.url("widget/" + name))

    def strings(part: str) -> int:
        return max(asset(f"i18n/{part}/{lang}.json") for lang in LANGS)

    sizes = {
        "core": served(client, "/xinqing.js") + asset("core.js") + asset("core.css")
        + asset("count.js") + strings("core"),
        "comments": asset("comments.js") + asset("comments.css") + strings("comments"),
        "reading": asset("reading.js") + asset("reading.css") + strings("reading"),
        "count": served(client, "/xinqing-count.js"),
    }
    print("\nwidget sizes, gzipped:", {k: f"{v} B of {BUDGETS[k]}" for k, v in sizes.items()})
    for part, size in sizes.items():
        assert size <= BUDGETS[part], f"{part}: {size} B gzipped, over its {BUDGETS[part]} B budget"


def flatten(table: dict, prefix: str = "") -> dict[str, str]:
    out = {}
    for key, value in table.items():
        if isinstance(value, dict):
            out.update(flatten(value, f"{prefix}{key}."))
        else:
            out[prefix + key] = value
    return out


@pytest.mark.parametrize("part", PARTS)
def test_every_language_has_every_string(part):
    tables = {lang: flatten(json.loads((SRC / "i18n" / part / f"{lang}.json").read_text("utf-8")))
              for lang in LANGS}
    keys = set(tables["zh-CN"])
    for lang, table in tables.items():
        assert set(table) == keys, (lang, set(table) ^ keys)
        for key, text in table.items():
            assert text.strip(), (lang, key)
            # the same placeholders ({n}, {x}) in every language
            assert re.findall(r"\{\w\}", text) == re.findall(r"\{\w\}", tables["zh-CN"][key]), (lang, key)


def test_every_error_the_widget_can_meet_reads_as_a_sentence():
    from service import errors

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    defined = {cls.code for cls in subclasses(errors.XinqingError)}
    assert WIDGET_CODES <= defined, WIDGET_CODES - defined  # a renamed code is noticed
    for lang in LANGS:
        sentences = {}
        for part in PARTS:
            sentences.update(json.loads((SRC / "i18n" / part / f"{lang}.json").read_text("utf-8"))["err"])
        fallback = sentences[""]
        for code in WIDGET_CODES | {"network"}:
            assert code in sentences and sentences[code] != fallback, (lang, code)
        assert "{n}" in sentences["rate_limited"]  # says how long Retry-After asks to wait
