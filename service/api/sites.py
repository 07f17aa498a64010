"""Operator and editor endpoints for sites and their settings."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from schemas.overview import AdminSiteListSchema
from schemas.sites import (
    SiteCreateSchema,
    SiteCreatedSchema,
    SiteSettingsOutSchema,
    SiteSettingsSchema,
    normalize_settings,
)
from ..errors import SiteExists
from .context import services
from .operations import ADMIN, EDITOR, operation

blp = Blueprint("sites", __name__, url_prefix="/v1", description="Sites and their settings")


@blp.route("/admin/sites")
class AdminSites(MethodView):
    @operation("getSites", ADMIN)
    @blp.response(200, AdminSiteListSchema())
    def get(self):
        """Every site, by id (operator token): what the dashboard offers an operator."""
        return {"items": services().sites.list()}

    @operation("postSite", ADMIN, errors=[SiteExists])
    @blp.arguments(SiteCreateSchema())
    @blp.response(201, SiteCreatedSchema())
    def post(self, body):
        """Create a site (operator token); the editor token is shown once."""
        settings = normalize_settings(body)
        site_id = settings.pop("site")
        site, token = services().sites.create(site_id, settings)
        return {"site": site.site, "editor_token": token}


@blp.route("/sites/<site>/settings")
class SiteSettings(MethodView):
    @operation("getSettings", EDITOR)
    @blp.response(200, SiteSettingsOutSchema())
    def get(self, site):
        """Read the site's settings (editor token)."""
        return services().sites.get(site).public_settings()

    @operation("patchSettings", EDITOR)
    @blp.arguments(SiteSettingsSchema())
    @blp.response(200, SiteSettingsOutSchema())
    def patch(self, changes, site):
        """Change any subset of the settings (editor token); answers the whole settings."""
        changes = normalize_settings(changes)
        if not changes:
            return services().sites.get(site).public_settings()
        return services().sites.update(site, changes).public_settings()
