"""The editors' dashboard: `GET /dashboard`, one server-rendered shell over the JSON API.

The page is static (no data in it, nothing about the signed-in editor): its scripts sign in
with an editor or admin token kept in `sessionStorage` and call the same-origin JSON API.
It gets the strict page policy of `service.web.page_headers` (no inline script or style),
and must not be cached by a shared cache (`no-cache`): its hashed assets are immutable.
"""

from __future__ import annotations

from flask import Blueprint, make_response, render_template

blp = Blueprint("dashboard", __name__, template_folder="templates")

# What the shell's scripts are, in load order (deferred classic scripts sharing one
# namespace: hashed asset URLs cannot be imported by relative ES-module paths).
SCRIPTS = ("dashboard/core.js", "dashboard/charts.js", "dashboard/overview.js",
           "dashboard/rankings.js", "dashboard/article.js", "dashboard/moderation.js",
           "dashboard/settings.js", "dashboard/app.js")


@blp.route("/dashboard")
def dashboard():
    """The editors' dashboard (HTML shell; it signs in with an editor token)."""
    from . import page_headers  # the package imports this module to list its blueprint

    response = make_response(render_template("dashboard/index.html", scripts=SCRIPTS, html_lang="zh-CN"))
    response.headers["Cache-Control"] = "no-cache"
    return page_headers(response)
