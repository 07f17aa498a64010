"""The reader widget's two fixed URLs: `/xinqing.js` (the loader) and `/xinqing-count.js`.

A page embeds the widget with one `<script src="https://xinqing.example.cn/xinqing.js" defer>`.
That URL never changes, so it is cached only briefly (`ENTRY_MAX_AGE`); it carries the
manifest of the content-hashed modules under `static/widget/` (core, comments, styles, the
count script), which are immutable for a year. A release therefore reaches every reader
within `ENTRY_MAX_AGE`, and nothing else is ever fetched twice.

`/xinqing-count.js` is the count-only script for list pages: one small file, no modules,
also at a fixed URL with the same short lifetime.

The widget's JavaScript, module layout and host kinds are described in
`static/widget/core.js` and the README ("Embedding").
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass

from flask import Blueprint, Flask, current_app

from .assets import Assets, send_bytes

ENTRY_MAX_AGE = 300
ENTRY_CACHE = f"public, max-age={ENTRY_MAX_AGE}"
JS = "text/javascript; charset=utf-8"
WIDGET_DIR = "widget/"

blp = Blueprint("widget", __name__, template_folder="templates")


@dataclass(frozen=True)
class Loader:
    body: bytes
    gzipped: bytes
    digest: str


def manifest(registry: Assets) -> tuple[str, dict[str, str]]:
    """Return the URL path of the widget's files and each file's content hash, e.g.
    ("/assets/widget/", {"core.js": "3f2a9c1b7e", …}): the loader's `xinqing.url(name)` puts
    the hash before the extension, as assets.py names them (core.3f2a9c1b7e.js)."""
    directory = registry.url(WIDGET_DIR + "core.js").rsplit("/", 1)[0] + "/"
    files = {}
    for name in sorted(registry.by_name):
        if name.startswith(WIDGET_DIR):
            asset = registry.get(name)
            short = name[len(WIDGET_DIR):]
            stem, dot, ext = short.rpartition(".")
            assert registry.url(name) == f"{directory}{stem}.{asset.digest}.{ext}", name
            files[short] = asset.digest
    return directory, files


def build_loader(app: Flask, registry: Assets) -> Loader:
    """Render the loader once per app: the manifest is fixed for the life of the process."""
    directory, files = manifest(registry)
    text = app.jinja_env.get_template("widget/loader.js").render(manifest=files,
                                                                  directory=directory)
    body = text.encode("utf-8")
    return Loader(body, gzip.compress(body, compresslevel=9, mtime=0),
                  hashlib.sha256(body).hexdigest()[:16])


@blp.record_once
def _build(state) -> None:
    app = state.app
    app.extensions["xinqing_loader"] = build_loader(app, app.extensions["xinqing_assets"])


@blp.route("/xinqing.js")
def loader():
    """The widget loader: finds the hosts of the page and loads the hashed core."""
    found: Loader = current_app.extensions["xinqing_loader"]
    return send_bytes(found.body, JS, ENTRY_CACHE, found.gzipped, found.digest)


@blp.route("/xinqing-count.js")
def count_script():
    """The count-only script for list pages (`data-xinqing-count` spans)."""
    found = current_app.extensions["xinqing_assets"].get("widget/count.js")
    return send_bytes(found.body, found.content_type, ENTRY_CACHE, found.gzipped, found.digest)
