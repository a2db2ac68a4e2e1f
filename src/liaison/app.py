"""Assemble the web application from the domain routers. Nothing else lives here."""

from __future__ import annotations

from pathlib import Path

from litestar import Litestar
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from liaison import db
from liaison.accounts.web import ROUTES as ACCOUNT_ROUTES
from liaison.adoption.api import ROUTES as ADOPTION_API_ROUTES
from liaison.adoption.web import ROUTES as ADOPTION_ROUTES
from liaison.clusters.web import ROUTES as CLUSTER_ROUTES
from liaison.config import Settings
from liaison.outreach.web import ROUTES as OUTREACH_ROUTES
from liaison.packets.web import ROUTES as PACKET_ROUTES
from liaison.dashboard.web import ROUTES as DASHBOARD_ROUTES
from liaison.core.health import health
from liaison.i18n.web import ROUTES as LANGUAGE_ROUTES
from liaison.i18n.web import locale_middleware
from liaison.drafts.api import ROUTES as DRAFT_API_ROUTES
from liaison.drafts.web import ROUTES as DRAFT_PAGE_ROUTES
from liaison.opinions.api import ROUTES as OPINION_API_ROUTES
from liaison.opinions.import_web import ROUTES as IMPORT_ROUTES
from liaison.opinions.staff_web import ROUTES as OPINION_STAFF_ROUTES
from liaison.opinions.web import ROUTES as OPINION_PAGE_ROUTES
from liaison.network.web import ROUTES as NETWORK_ROUTES
from liaison.audit.web import ROUTES as AUDIT_ROUTES
from liaison.submission.web import ROUTES as SUBMISSION_ROUTES
from liaison.workspace.web import ROUTES as WORKSPACE_ROUTES
from liaison.web.auth import auth_middleware
from liaison.web.errors import exception_handlers
from liaison.web.headers import security_headers_middleware
from liaison.web.templating import build_template_engine

__all__ = ["STATIC_DIR", "create_app"]

STATIC_DIR = Path(__file__).resolve().parents[2] / "static"


def create_app(settings: Settings, *, manage_database: bool = True) -> Litestar:
    """Build the app for ``settings``.

    With ``manage_database`` the app connects on startup and disconnects on
    shutdown; tests that already hold a connection pass False.
    """

    async def on_startup() -> None:
        await db.connect(settings.database_url)

    async def on_shutdown() -> None:
        await db.disconnect()

    return Litestar(
        route_handlers=[
            health,
            *DRAFT_API_ROUTES,
            *DRAFT_PAGE_ROUTES,
            *OPINION_API_ROUTES,
            *OPINION_PAGE_ROUTES,
            *IMPORT_ROUTES,
            *OPINION_STAFF_ROUTES,
            *NETWORK_ROUTES,
            *AUDIT_ROUTES,
            *CLUSTER_ROUTES,
            *DASHBOARD_ROUTES,
            *PACKET_ROUTES,
            *OUTREACH_ROUTES,
            *SUBMISSION_ROUTES,
            *ADOPTION_ROUTES,
            *ADOPTION_API_ROUTES,
            *WORKSPACE_ROUTES,
            *ACCOUNT_ROUTES,
            *LANGUAGE_ROUTES,
            create_static_files_router(path="/static", directories=[STATIC_DIR], include_in_schema=False),
        ],
        on_startup=[on_startup] if manage_database else [],
        on_shutdown=[on_shutdown] if manage_database else [],
        middleware=[security_headers_middleware, locale_middleware, auth_middleware],
        csrf_config=CSRFConfig(
            secret=settings.secret_key,
            cookie_name="liaison_csrf",
            cookie_secure=settings.secure_cookies,
            cookie_samesite="lax",
            header_name="x-csrftoken",
            exclude=["/api/", "/health", "/schema"],
        ),
        template_config=TemplateConfig(instance=build_template_engine(settings)),
        openapi_config=OpenAPIConfig(
            title="Liaison API",
            version="1",
            description="基层立法联络站意见征集系统 JSON API. Staff calls use `Authorization: Bearer <token>`.",
            path="/schema",
            render_plugins=[JsonRenderPlugin(path=["/", "/openapi.json"])],
        ),
        exception_handlers=exception_handlers,
        request_max_body_size=settings.max_upload_bytes + 64 * 1024,
        state=State({"settings": settings}),
        debug=False,
    )
