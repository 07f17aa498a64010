"""Static front-end files under content-hashed, immutable URLs.

Every file below `service/web/static/` is read once when the app is built. Each gets a URL
that carries a hash of its bytes (`/assets/widget/core.3f2a9c1b7e.js`), served with
`Cache-Control: public, max-age=31536000, immutable`, and gzip-compressed when the client
accepts it. A new release changes the hash, so nothing stale is ever served from a cache; the
short-lived entry points (`/xinqing.js`, HTML pages) name the hashed URLs.

Assets are public and origin-free: a news page on any origin may load them, so they carry
`Access-Control-Allow-Origin: *` (a stylesheet fetched for `adoptedStyleSheets` needs it).
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import re
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, Flask, abort, current_app, request

from ..api.edge import cache_publicly

STATIC_DIR = Path(__file__).resolve().parent / "static"
IMMUTABLE = "public, max-age=31536000, immutable"
_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
          ".json": "application/json", ".svg": "image/svg+xml", ".png": "image/png",
          ".txt": "text/plain; charset=utf-8"}
# Below this size gzip's header costs more than it saves.
_GZIP_MIN_BYTES = 256


@dataclass(frozen=True)
class Asset:
    """One static file: its logical name, hashed URL path, bytes and their gzip form."""

    name: str
    hashed: str
    content_type: str
    body: bytes
    gzipped: bytes | None
    digest: str


# `<dir/stem>.<10 hex digits><suffix>`, as _hashed_name writes it
_HASHED = re.compile(r"(.+)\.[0-9a-f]{10}(\.[A-Za-z0-9]+)")


def _hashed_name(name: str, digest: str) -> str:
    path = Path(name)
    return str(path.with_name(f"{path.stem}.{digest}{path.suffix}"))


class Assets:
    """The registry of static files, keyed by logical name and by hashed name."""

    def __init__(self, root: Path = STATIC_DIR) -> None:
        self.by_name: dict[str, Asset] = {}
        self.by_hashed: dict[str, Asset] = {}
        for path in sorted(root.rglob("*")):
            if not path.is_file() or path.name.startswith("."):
                continue
            name = path.relative_to(root).as_posix()
            body = path.read_bytes()
            digest = hashlib.sha256(body).hexdigest()[:10]
            content_type = _TYPES.get(path.suffix) or (
                mimetypes.guess_type(path.name)[0] or "application/octet-stream")
            gzipped = None
            if len(body) >= _GZIP_MIN_BYTES and not content_type.startswith("image/png"):
                gzipped = gzip.compress(body, compresslevel=9, mtime=0)
            asset = Asset(name, _hashed_name(name, digest), content_type, body, gzipped, digest)
            self.by_name[name] = asset
            self.by_hashed[asset.hashed] = asset

    def url(self, name: str) -> str:
        """Return the immutable URL path of a static file, e.g. `/assets/widget/core.<hash>.js`."""
        return f"/assets/{self.by_name[name].hashed}"

    def get(self, name: str) -> Asset:
        """Return the asset of a logical name."""
        return self.by_name[name]

    def by_other_hash(self, hashed: str) -> Asset | None:
        """Return the current file of a hashed name whose hash is another release's, or None."""
        match = _HASHED.fullmatch(hashed)
        return self.by_name.get(match[1] + match[2]) if match else None


def assets() -> Assets:
    """Return the app's asset registry."""
    return current_app.extensions["xinqing_assets"]


def send_bytes(body: bytes, content_type: str, cache_control: str,
               gzipped: bytes | None = None, etag: str | None = None):
    """Return a response for static bytes: gzip when accepted, Vary, caching, CORS open to all."""
    response = current_app.response_class(content_type=content_type)
    accepts_gzip = "gzip" in (request.headers.get("Accept-Encoding") or "")
    if gzipped is not None and accepts_gzip:
        response.set_data(gzipped)
        response.headers["Content-Encoding"] = "gzip"
    else:
        response.set_data(body)
    cache_publicly(response, directives=cache_control, etag=etag)
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.vary.add("Accept-Encoding")
    return response


blp = Blueprint("assets", __name__)


@blp.route("/assets/<path:hashed>")
def asset(hashed: str):
    """Serve a content-hashed static file, immutable for a year.

    A hash this release does not have (a page that fetched the short-lived loader just before
    a deploy, or a worker of the other release during a rolling one) gets the file's current
    bytes, revalidated on every use and never stored as immutable, instead of a 404 that would
    leave the reader without a widget.
    """
    registry = assets()
    found = registry.by_hashed.get(hashed)
    if found is not None:
        return send_bytes(found.body, found.content_type, IMMUTABLE, found.gzipped, found.digest)
    current = registry.by_other_hash(hashed)
    if current is None:
        abort(404)
    return send_bytes(current.body, current.content_type, "no-cache", current.gzipped,
                      current.digest)


def init_assets(app: Flask) -> Assets:
    """Read every static file, serve them and give templates `asset_url`."""
    registry = Assets()
    app.extensions["xinqing_assets"] = registry
    app.register_blueprint(blp)
    app.jinja_env.globals["asset_url"] = registry.url
    return registry
