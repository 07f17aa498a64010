"""Shared set-up of the reading-list tests: articles with meta, votes and views, takedowns."""

from __future__ import annotations

from datetime import datetime, timezone

from conftest import ADMIN_TOKEN

MOODS = ("happy", "sad", "like", "meh")
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


class Newsroom:
    """One site of an app: editors' calls through the API, reader activity through the
    domain's write path (the same scripts the API runs, without minting reader tokens)."""

    def __init__(self, app, site: str = "gmw") -> None:
        self.app = app
        self.client = app.test_client()
        self.services = app.extensions["xinqing"]
        self.site = site
        # Articles here get meta or not as each test says; require_meta (on for a new site)
        # is off until a test turns it on (require_meta below).
        r = self.client.post("/v1/admin/sites", json={"site": site, "require_meta": False},
                             headers=ADMIN)
        assert r.status_code == 201, r.get_json()
        self.editor = {"Authorization": f"Bearer {r.get_json()['editor_token']}"}
        self._readers = 0

    @property
    def now(self) -> int:
        return int(self.services.engagement.clock())

    def meta(self, article: str, channel: str | None = None, published: int | None = None,
             **extra) -> dict:
        body = {"title": f"标题 {article}", "url": f"https://news.example.com/{article}.html",
                **extra}
        if channel:
            body["channel"] = channel
        if published is not None:
            body["published_at"] = datetime.fromtimestamp(published, timezone.utc).isoformat()
        r = self.client.put(f"/v1/sites/{self.site}/articles/{article}/meta", json=body,
                            headers=self.editor)
        assert r.status_code == 200, r.get_json()
        return r.get_json()

    def votes(self, article: str, counts) -> None:
        """Cast counts[i] new readers' votes for MOODS[i] on the article."""
        site = self.services.sites.get(self.site)
        for mood, n in zip(MOODS, counts):
            for _ in range(n):
                self._readers += 1
                self.services.rankings.set_vote(site, article, f"reader{self._readers}", mood,
                                                self.now)

    def views(self, article: str, n: int) -> None:
        site = self.services.sites.get(self.site)
        for _ in range(n):
            self._readers += 1
            self.services.rankings.add_view(site, article, f"visitor{self._readers}", self.now)

    def take_down(self, article: str) -> None:
        r = self.client.delete(f"/v1/sites/{self.site}/articles/{article}", headers=self.editor)
        assert r.status_code == 200, r.get_json()

    def require_meta(self, on: bool, monkeypatch) -> None:
        """Set the site setting `require_meta` (see docs/reading.md). Through PATCH once the setting
        exists; until then as that PATCH will store it, with the setting declared here."""
        r = self.client.patch(f"/v1/sites/{self.site}/settings", json={"require_meta": on},
                              headers=self.editor)
        if r.status_code == 200:
            return
        from service.domain import sites

        monkeypatch.setitem(sites.DEFAULTS, "require_meta", False)
        self.services.sites.update(self.site, {"require_meta": on})
        assert self.services.sites.get(self.site).settings["require_meta"] is on

    def related(self, article: str, **args) -> dict:
        r = self.client.get(f"/v1/sites/{self.site}/articles/{article}/related", query_string=args)
        assert r.status_code == 200, r.get_json()
        return r.get_json()

    def feed(self, **args):
        return self.client.get(f"/v1/sites/{self.site}/feed", query_string=args)
