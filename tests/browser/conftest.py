"""Browser-test set-up shared by the widget and dashboard tests.

- One headless Chromium per session: Debian's `/usr/bin/chromium`, driven by Playwright from
  PyPI through pytest-playwright's fixtures (`browser`, `context`, `page`). Never
  `playwright install`: it downloads browsers. Without the binary these tests fail (they are
  never skipped): install `chromium` and `fonts-wqy-microhei` (`.ci/run` does).
- `live`: the real service under gunicorn (2 workers) on a redis-server of its own, for the
  whole session; each test makes its own site with `live.new_site()`, so tests never share
  state and no flush is needed.
- `host_pages`: a second origin (another port) serving host pages with the headers a test
  gives (a strict CSP, say), as a news site embedding the widget would.
- `console`: every console error, uncaught exception and CSP violation of a page, so a test
  can assert there were none.
"""

from __future__ import annotations

import itertools
import os
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from conftest import ADMIN_TOKEN, ROOT, SECRET_KEY, GunicornServer, RedisServer, free_port

# The live service's secret before a rotation (its tokens still verify there).
PREVIOUS_SECRET_KEY = "browser-tests-previous-secret-key-0123456789"

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = ROOT / "docs" / "screenshots"
# Flags for a closed network: without the background-networking ones Chromium keeps trying
# to reach Google's hosts.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage"]


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Launch Debian's Chromium (pytest-playwright's hook for launch options)."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} not found: apt-get install chromium fonts-wqy-microhei "
                    "(never `playwright install`)", pytrace=False)
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """Pages as a reader in China sees them unless a test says otherwise."""
    return {**browser_context_args, "locale": "zh-CN", "timezone_id": "Asia/Shanghai",
            "viewport": {"width": 1280, "height": 900}}


_site_numbers = itertools.count(1)


class LiveService:
    """The service under gunicorn, with helpers for what tests set up through the API."""

    def __init__(self, server: GunicornServer) -> None:
        self.server = server
        self.url = server.url
        self.http = requests.Session()

    def admin_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {ADMIN_TOKEN}"}

    def new_site(self, prefix: str = "t", **settings) -> tuple[str, str]:
        """Create a fresh site (unique id); return (site id, editor token)."""
        site = f"{prefix}{os.getpid() % 1000}-{next(_site_numbers)}"
        r = self.http.post(f"{self.url}/v1/admin/sites", json={"site": site},
                           headers=self.admin_headers(), timeout=10)
        assert r.status_code == 201, r.text
        token = r.json()["editor_token"]
        if settings:
            self.patch_settings(site, token, **settings)
        return site, token

    def patch_settings(self, site: str, editor_token: str, **settings) -> dict:
        r = self.http.patch(f"{self.url}/v1/sites/{site}/settings", json=settings,
                            headers={"Authorization": f"Bearer {editor_token}"}, timeout=10)
        assert r.status_code == 200, r.text
        return r.json()

    def reader(self, site: str) -> str:
        r = self.http.post(f"{self.url}/v1/sites/{site}/readers", timeout=10)
        assert r.status_code == 201, r.text
        return r.json()["reader_token"]

    def react(self, site: str, article: str, mood: str, reader: str | None = None) -> dict:
        reader = reader or self.reader(site)
        r = self.http.put(f"{self.url}/v1/sites/{site}/articles/{article}/reactions/mine",
                          json={"mood": mood}, headers={"X-Reader-Token": reader}, timeout=10)
        assert r.status_code == 200, r.text
        return r.json()

    def put_meta(self, site: str, editor_token: str, article: str, **meta) -> dict:
        r = self.http.put(f"{self.url}/v1/sites/{site}/articles/{article}/meta", json=meta,
                          headers={"Authorization": f"Bearer {editor_token}"}, timeout=10)
        assert r.status_code == 200, r.text
        return r.json()

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.http.get(self.url + path, timeout=10, **kwargs)


@pytest.fixture(scope="session")
def live_redis(redis_server):
    """A redis-server of the browser tests' own: other tests' flushes never reach it."""
    if redis_server is None:
        pytest.fail("browser tests need redis-server", pytrace=False)
    server = RedisServer()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def live(live_redis):
    """The real service under gunicorn for the whole session (rate limits off)."""
    server = GunicornServer({"XINQING_REDIS_URL": live_redis.url,
                             "XINQING_SECRET_KEY": SECRET_KEY,
                             # tokens signed before a secret rotation still verify and
                             # come back re-signed (X-Reader-Token-Refresh)
                             "XINQING_SECRET_KEY_PREVIOUS": PREVIOUS_SECRET_KEY,
                             "XINQING_ADMIN_TOKEN": ADMIN_TOKEN,
                             "XINQING_RATELIMIT_ENABLED": "false",
                             # /demo on a real Redis (its site is made on first visit)
                             "XINQING_DEMO": "true",
                             "XINQING_LOG_LEVEL": "WARNING"}, workers=2)
    yield LiveService(server)
    server.stop()


@dataclass
class _Page:
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    status: int = 200


class HostPages:
    """Pages of a news site on another origin (127.0.0.1, another port) embedding the widget."""

    def __init__(self) -> None:
        self.pages: dict[str, _Page] = {}
        self.port = free_port()
        self.origin = f"http://127.0.0.1:{self.port}"
        pages = self.pages

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                page = pages.get(self.path.split("?", 1)[0])
                if page is None and self.path == "/favicon.ico":
                    self.send_response(204)  # no icon, and no 404 in the console
                    self.end_headers()
                    return
                if page is None:
                    self.send_error(404)
                    return
                self.send_response(page.status)
                self.send_header("Content-Type", page.headers.get(
                    "Content-Type", "text/html; charset=utf-8"))
                for name, value in page.headers.items():
                    if name != "Content-Type":
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(page.body)))
                self.end_headers()
                self.wfile.write(page.body)

            def log_message(self, *args):  # quiet
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def add(self, path: str, html: str, headers: dict[str, str] | None = None) -> str:
        """Serve `html` at `path`; return its URL."""
        self.pages[path] = _Page(html.encode("utf-8"), dict(headers or {}))
        return self.origin + path

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="session")
def host_pages():
    pages = HostPages()
    yield pages
    pages.close()


class ConsoleWatch:
    """Collect a page's console errors, uncaught errors and CSP violations."""

    def __init__(self, page) -> None:
        self.errors: list[str] = []
        self.warnings: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))

    def _console(self, msg) -> None:
        if msg.type == "error":
            self.errors.append(f"console.error: {msg.text}")
        elif msg.type == "warning":
            self.warnings.append(msg.text)

    def csp_violations(self) -> list[str]:
        return [e for e in self.errors if "Content Security Policy" in e]


@pytest.fixture
def console(page):
    return ConsoleWatch(page)


@pytest.fixture(scope="session")
def screenshots_dir(tmp_path_factory):
    """Where tests draw screenshots: docs/screenshots/ under `make screenshots`
    (UPDATE_SCREENSHOTS=1), else a temporary folder, so a test run leaves the tree clean."""
    if not os.environ.get("UPDATE_SCREENSHOTS"):
        return tmp_path_factory.mktemp("screenshots")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
