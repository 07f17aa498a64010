"""The curl walk-through: the embedded banner prints it with real tokens; the README quotes it.

One text, so the two cannot drift (tests/test_embedded.py checks the README holds it and runs
every line of the banner's version against a live server).
"""

from __future__ import annotations

# Every command after the three variables; `demo` is the embedded demo site.
COMMANDS = r"""
TOKEN=$(curl -s -X POST $B/v1/sites/demo/readers | python3 -c 'import json,sys; print(json.load(sys.stdin)["reader_token"])')

# 您此时的心情: hold a mood (again = no change; another mood moves the vote; DELETE retracts)
curl -s -X PUT -H "X-Reader-Token: $TOKEN" -H 'Content-Type: application/json' \
     -d '{"mood": "happy"}' $B/v1/sites/demo/articles/38012345/reactions/mine
curl -s "$B/v1/sites/demo/articles/38012345/reactions?lang=en"

# a share (one per reader, article and channel per clock hour) and a page view
curl -s -X POST -H "X-Reader-Token: $TOKEN" -H 'Content-Type: application/json' \
     -d '{"channel": "wechat"}' $B/v1/sites/demo/articles/38012345/shares
curl -s -X POST -H "X-Reader-Token: $TOKEN" $B/v1/sites/demo/articles/38012345/views

# everything about one article, or up to 100 at once
curl -s $B/v1/sites/demo/articles/38012345
curl -s "$B/v1/sites/demo/articles?ids=38012345,38012346"

# editors: settings (moods, share channels, time zone, allowed origins…)
curl -s -H "Authorization: Bearer $EDITOR_TOKEN" $B/v1/sites/demo/settings
curl -s -X PATCH -H "Authorization: Bearer $EDITOR_TOKEN" -H 'Content-Type: application/json' \
     -d '{"timezone": "Asia/Shanghai"}' $B/v1/sites/demo/settings

# CMS sync (what rankings and reading lists show) and takedown (DELETE …/articles/38012345)
curl -s -X PUT -H "Authorization: Bearer $EDITOR_TOKEN" -H 'Content-Type: application/json' \
     -d '{"title": "标题", "url": "https://www.example.com/38012345.html", "channel": "gansu", "summary": "摘要"}' \
     $B/v1/sites/demo/articles/38012345/meta

# 新闻表情排行: rankings by mood, reactions, shares, views, comments or hot, per window
curl -s "$B/v1/sites/demo/rankings?by=happy&window=24h&limit=10"
curl -s "$B/v1/sites/demo/rankings/moods?window=7d&limit=5&channel=gansu"
curl -s -H "Authorization: Bearer $EDITOR_TOKEN" "$B/v1/sites/demo/articles/38012345/timeline?granularity=day"
curl -s -H "Authorization: Bearer $EDITOR_TOKEN" "$B/v1/sites/demo/stats?window=24h"

# comments: post one, list them (加载更多 follows next_cursor), 顶 it
curl -s -X POST -H "X-Reader-Token: $TOKEN" -H 'Content-Type: application/json' \
     -d '{"body": "说得好"}' $B/v1/sites/demo/articles/38012345/comments
curl -s "$B/v1/sites/demo/articles/38012345/comments?sort=hot&limit=20"

# reading lists: 相关阅读 (by how readers felt) and 推荐阅读 (by hot; 加载更多 follows next_cursor)
curl -s "$B/v1/sites/demo/articles/38012345/related?limit=6"
curl -s "$B/v1/sites/demo/feed?channel=gansu&limit=10"

# operators: new sites (or `xinqing sites create gmw` on the command line), a new editor token
curl -s -X POST -H "Authorization: Bearer $ADMIN_TOKEN" -H 'Content-Type: application/json' \
     -d '{"site": "gmw"}' $B/v1/admin/sites
curl -s -X POST -H "Authorization: Bearer $ADMIN_TOKEN" $B/v1/admin/sites/gmw/editor-token
""".strip("\n")

README_VARIABLES = """B=http://127.0.0.1:8000
EDITOR_TOKEN=xqe_...   # from the banner
ADMIN_TOKEN=xqa_...    # from the banner (or your XINQING_ADMIN_TOKEN)"""


def for_readme() -> str:
    """Return the README's block: placeholders for the tokens."""
    return README_VARIABLES + "\n" + COMMANDS


def for_banner(base: str, editor_token: str, admin_token: str, site: str = "demo") -> str:
    """Ready to paste: the real address, tokens and demo site."""
    commands = COMMANDS.replace("/sites/demo/", f"/sites/{site}/")
    return f"B={base}\nEDITOR_TOKEN={editor_token}\nADMIN_TOKEN={admin_token}\n{commands}"
