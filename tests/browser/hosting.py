"""Host pages for the widget's browser tests: a news site's page on another origin (the
`host_pages` server) that embeds the widget with one script tag, under a strict CSP that lets
the service's origin in only for scripts, connections and styles.

Test modules import the `widget` fixture from here; it gives a `Host` bound to the test's page.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import expect

# The strictest policy a news page can embed the widget under: the service's origin
# for scripts, connections and styles, nothing else; no inline code, no eval, no frames.
STRICT_CSP = ("default-src 'none'; script-src {s}; connect-src {s}; style-src {s}; "
              "base-uri 'none'; frame-src 'none'")
_pages = itertools.count(1)


@dataclass
class Host:
    live: object
    pages: object
    page: object
    console: object
    requests: list = field(default_factory=list)

    def on(self, page) -> "Host":
        """The same helpers on another page (e.g. of a context with another user agent)."""
        from .conftest import ConsoleWatch

        host = Host(self.live, self.pages, page, ConsoleWatch(page))
        page.on("request", lambda request: host.requests.append(request))
        return host

    def site(self, **settings) -> tuple[str, str]:
        """A fresh site whose allowed origins include the host pages' origin."""
        return self.live.new_site(allowed_origins=[self.pages.origin], **settings)

    def open(self, body: str, *, lang: str = "zh-CN", csp: str | None = STRICT_CSP,
             script: str = "/xinqing.js", title: str = "一篇新闻") -> str:
        """Serve a page embedding the widget with `body` on the host origin and open it."""
        path = f"/news/{next(_pages)}.html"
        headers = {"Content-Security-Policy": csp.format(s=self.live.url)} if csp else {}
        html = (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
                f'<title>{title}</title>'
                f'<script src="{self.live.url}{script}" defer></script></head>'
                f'<body><main>{body}</main></body></html>')
        url = self.pages.add(path, html, headers)
        self.page.goto(url)
        return url

    def api_calls(self, pattern: str) -> list[str]:
        """Requests made to the service whose path and query match `pattern`."""
        return [r.url for r in self.requests if r.url.startswith(self.live.url)
                and re.search(pattern, r.url[len(self.live.url):])]

    def find(self, selector: str):
        """A locator (Playwright's CSS pierces open shadow roots)."""
        return self.page.locator(selector)

    def mood(self, host: str, key: str):
        return self.page.locator(f"{host} button[data-key={key}]")

    def errors(self, *, expected: str | None = None) -> list[str]:
        """Console errors, leaving out the browser's own "Failed to load resource" lines for
        responses a test provoked on purpose (`expected`: a regex of those)."""
        return [e for e in self.console.errors
                if not (expected and "Failed to load resource" in e and re.search(expected, e))]


@pytest.fixture
def widget(live, host_pages, page, console):
    host = Host(live, host_pages, page, console)
    page.on("request", lambda request: host.requests.append(request))
    yield host


def mood_host(site: str, article: str, host_id: str = "m", **attrs) -> str:
    extra = "".join(f' data-{k.replace("_", "-")}="{v}"' for k, v in attrs.items())
    return (f'<div id="{host_id}" data-xinqing="mood" data-site="{site}" '
            f'data-article="{article}"{extra}></div>')


def expect_count(host, selector: str, key: str, count: str, pressed: bool | None = None):
    """The mood box at `selector` shows `count` for `key`, settled: no request in flight
    (an optimistic update shows the count before the service has answered)."""
    button = host.mood(selector, key)
    expect(button).to_have_attribute("aria-disabled", "false")
    expect(button.locator(".n")).to_have_text(count)
    if pressed is not None:
        expect(button).to_have_attribute("aria-pressed", "true" if pressed else "false")
