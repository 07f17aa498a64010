"""The demo site behind `/demo`: its settings, its articles, and making sure both exist.

`/demo` is on by default only with the embedded store (`XINQING_DEMO=auto`); `true` turns it
on against a real Redis too. The embedded store creates the demo site at start-up (the banner
prints its editor token); otherwise the first visit of `/demo` creates it. Either way the
first visit in each worker writes the demo articles' meta (idempotent), so the 新闻表情排行
box shows titles and links back to the demo pages, and counts one page view of each story by
a "demo" visitor (once per 10-minute slot, the views counting rule), so 推荐阅读 and 相关阅读
have stories to list before any reader has come by.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from ..errors import SiteExists


@dataclass(frozen=True)
class DemoArticle:
    id: str
    title: str
    channel: str
    channel_name: str
    published_at: str
    lead: str


# Invented stories in the shape of a regional news site's pages (the page says it is a demo).
ARTICLES: tuple[DemoArticle, ...] = (
    DemoArticle("38012345", "兰州至张掖高铁全线贯通 河西走廊迈入“一小时”交通圈", "gansu", "甘肃",
                "2025-11-28T02:30:00Z",
                "记者从铁路部门获悉，兰州至张掖高速铁路今日全线贯通，沿线城市间最短旅行时间"
                "缩短至一小时左右。"),
    DemoArticle("38012346", "敦煌莫高窟第三批洞窟高清影像向公众开放", "gansu", "甘肃",
                "2025-11-27T08:00:00Z",
                "敦煌研究院发布第三批数字化洞窟成果，读者在线即可浏览壁画细节。"),
    DemoArticle("38012347", "全国秋粮收获过半 多地机收进度快于往年", "guonei", "国内",
                "2025-11-27T03:15:00Z",
                "农业农村部农情调度显示，全国秋粮已收获过半，机收率保持较高水平。"),
    DemoArticle("38012348", "国产大型邮轮完成第二次远洋试航", "keji", "科技",
                "2025-11-26T06:40:00Z",
                "试航期间完成了动力、操纵、航行等多项试验，各项指标达到设计要求。"),
    DemoArticle("38012349", "社区食堂让老人吃上“热乎饭”", "shehui", "社会",
                "2025-11-26T01:20:00Z",
                "不少城市社区开办长者食堂，价格实惠、菜品多样，受到老年居民欢迎。"),
    DemoArticle("38012350", "青少年近视防控：每天户外活动两小时很关键", "jiankang", "健康",
                "2025-11-25T09:00:00Z",
                "专家提醒，保证充足的户外活动时间，是预防青少年近视最简单有效的办法。"),
)
BY_ID = {a.id: a for a in ARTICLES}


def demo_enabled(config: dict[str, Any]) -> bool:
    """Tell whether `/demo` is served: XINQING_DEMO, where `auto` means "on the embedded store"."""
    if not config.get("DEMO_SITE"):
        return False
    mode = config.get("DEMO", "auto")
    if mode == "auto":
        return not config.get("REDIS_URL") and config.get("REDIS_CLIENT") is None
    return bool(mode)


def demo_site_settings(origin: str) -> dict[str, Any]:
    """Return a new demo site's settings: its own pages (served at `origin`) may call the API."""
    return {"allowed_origins": [origin.rstrip("/")]}


def ensure_demo(services, site_id: str, origin: str) -> None:
    """Create the demo site unless it exists, and (re)write its articles' meta."""
    try:
        services.sites.create(site_id, demo_site_settings(origin))
    except SiteExists:
        pass
    for article in ARTICLES:
        services.rankings.set_meta(site_id, article.id, {
            "title": article.title,
            "url": f"{origin.rstrip('/')}/demo?article={article.id}",
            "channel": article.channel,
            "published_at": datetime.strptime(article.published_at, "%Y-%m-%dT%H:%M:%SZ")
            .replace(tzinfo=timezone.utc),
            "summary": article.lead,
        })
    site = services.sites.get(site_id)
    for article in ARTICLES:
        services.rankings.add_view(site, article.id, "demo", services.rankings.now())
