"""Server-rendered pages: the public 新闻表情排行 page and the `/demo` article page.

Both are plain HTML from Jinja templates (`templates/pages/`) under the strict policy of
`page_headers`: no inline script or style. The ranking page needs no JavaScript at all (tabs
and windows are links, the channel filter is a GET form) and is public and cacheable for the
site's `cache_max_age`, with an ETag (service/api/edge.py adds it). Errors on these pages are
HTML too, with the status the JSON API would give.
"""

from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, render_template, request, url_for
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from schemas.rankings import WINDOW_CHOICES, RankingPageQueryArgsSchema
from ..api.context import lang, services
from ..api.edge import cache_publicly
from ..errors import BadRequest, NotFound, XinqingError
from . import demo, page_headers

blp = Blueprint("pages", __name__, template_folder="templates")

_page_args = RankingPageQueryArgsSchema()

TEXT = {
    "zh-CN": {
        "title": "新闻表情排行", "all_moods": "全部心情", "moods": "按心情", "windows": "时间范围",
        "window": {"1h": "1小时", "24h": "24小时", "7d": "一周", "30d": "一月", "all": "全部"},
        "channel": "栏目", "filter": "筛选", "all_channels": "全部栏目", "empty": "暂无上榜文章",
        "score": "{n}人", "updated": "更新于", "rank": "排名", "error": "出错了",
        "home": "首页", "demo": "演示", "demo_note": "本页为 xinqing 演示页面，文章均为虚构内容。",
        "source": "来源：心情日报", "views": "阅读",
    },
    "zh-TW": {
        "title": "新聞表情排行", "all_moods": "全部心情", "moods": "按心情", "windows": "時間範圍",
        "window": {"1h": "1小時", "24h": "24小時", "7d": "一週", "30d": "一月", "all": "全部"},
        "channel": "欄目", "filter": "篩選", "all_channels": "全部欄目", "empty": "暫無上榜文章",
        "score": "{n}人", "updated": "更新於", "rank": "排名", "error": "出錯了",
        "home": "首頁", "demo": "演示", "demo_note": "本頁為 xinqing 演示頁面，文章均為虛構內容。",
        "source": "來源：心情日報", "views": "閱讀",
    },
    "en": {
        "title": "Top stories by mood", "all_moods": "All moods", "moods": "Moods",
        "windows": "Period",
        "window": {"1h": "Past hour", "24h": "24 hours", "7d": "7 days", "30d": "30 days",
                   "all": "All time"},
        "channel": "Section", "filter": "Filter", "all_channels": "All sections",
        "empty": "Nothing ranked yet", "score": "{n}", "updated": "Updated", "rank": "Rank",
        "error": "Something went wrong", "home": "Home", "demo": "Demo",
        "demo_note": "A xinqing demo page; the stories are invented.",
        "source": "Source: Xinqing Daily", "views": "views",
    },
}


def http_url(url: str | None) -> str | None:
    """`url` if it parses as an absolute http(s) URL, else None (never a javascript: link)."""
    if not url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme in ("http", "https") and parts.netloc else None


def local_time(rfc3339: str, tz: str) -> str:
    """Return an RFC 3339 UTC time as "YYYY-MM-DD HH:MM" in the site's time zone."""
    when = datetime.strptime(rfc3339, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    return when.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")


def _html(template: str, code: int = 200, public_max_age: int | None = None, **context):
    """Render an HTML page: public for `public_max_age` seconds, else never stored."""
    response = current_app.make_response((render_template(template, **context), code))
    if public_max_age is None:
        response.headers["Cache-Control"] = "no-store"
    else:
        cache_publicly(response, public_max_age)
    return page_headers(response)


@blp.errorhandler(XinqingError)
def _error(err: XinqingError):
    language = lang()
    return _html("pages/error.html", err.status, t=TEXT[language], html_lang=language,
                 status=err.status, message=err.message)


@blp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    return _error(NotFound() if exc.code == 404 else BadRequest(exc.description))


@blp.route("/s/<site>/rankings")
def rankings(site: str):
    """Render the public 新闻表情排行 page: one ranking, mood tabs and windows as links."""
    try:
        args = _page_args.load({name: value for name, value in request.args.items() if value != ""})
    except ValidationError as exc:
        raise BadRequest("invalid ranking query", details={"fields": exc.messages}) from None
    svc = services()
    found = svc.sites.get(site)
    language = lang(args)
    moods = found.moods_for(language)
    by = args["by"] or (moods[0]["key"] if moods else "reactions")
    window, channel = args["window"], args["channel"]
    ranking = svc.rankings.ranking(site, by, window, channel, args["limit"])

    def link(**change) -> str:
        query = {"by": by, "window": window, "channel": channel, "lang": args.get("lang"),
                 **change}
        return url_for("pages.rankings", site=site,
                       **{name: value for name, value in query.items() if value})

    text = TEXT[language]
    tabs = [{"href": link(by=mood["key"]), "label": mood["label"], "emoji": mood["emoji"],
             "current": mood["key"] == by} for mood in moods]
    tabs.append({"href": link(by="reactions"), "label": text["all_moods"], "emoji": "",
                 "current": by == "reactions"})
    windows = [{"href": link(window=choice), "label": text["window"][choice],
                "current": choice == window} for choice in WINDOW_CHOICES]
    items = [{"rank": item["rank"], "article": item["article"],
              "title": (item["meta"] or {}).get("title") or item["article"],
              "url": http_url((item["meta"] or {}).get("url")),
              "channel": (item["meta"] or {}).get("channel"),
              "score": item["score"], "total": item["reactions"]["total"]}
             for item in ranking["items"]]
    current = next((tab for tab in tabs if tab["current"]), None)
    return _html("pages/rankings.html", public_max_age=found.settings["cache_max_age"],
                 t=text, html_lang=language, site=site, tabs=tabs, windows=windows, items=items,
                 by=by, window=window, channel=channel, lang_arg=args.get("lang"),
                 heading=current["label"] if current else by,
                 all_channels=link(channel=None) if channel else None,
                 generated_at=ranking["generated_at"],
                 generated_local=local_time(ranking["generated_at"], found.settings["timezone"]))


@blp.route("/demo")
def demo_page():
    """Render a news article page with every widget on the demo site (XINQING_DEMO)."""
    config = current_app.config
    if not demo.demo_enabled(config):
        raise NotFound("the demo is off (XINQING_DEMO)")
    article = demo.BY_ID.get(request.args.get("article", demo.ARTICLES[0].id))
    if article is None:
        raise NotFound("no such demo article")
    site = config["DEMO_SITE"]
    origin = request.host_url.rstrip("/")
    ready = current_app.extensions.setdefault("xinqing_demo_ready", set())
    if (site, origin) not in ready:  # once per worker and origin: site and meta exist
        demo.ensure_demo(services(), site, origin)
        ready.add((site, origin))
    language = lang()
    return _html("pages/demo.html", t=TEXT[language], html_lang=language, site=site,
                 article=article, published=local_time(article.published_at, "Asia/Shanghai"))
