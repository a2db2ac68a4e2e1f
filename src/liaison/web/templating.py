"""The Jinja environment: autoescaping on, translated messages, localised dates, role labels."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar.plugins.jinja import JinjaTemplateEngine

from liaison.accounts.roles import ROLE_LABELS, Role
from liaison.config import Settings
from liaison.core.dates import to_local
from liaison.i18n import available_locales, current_locale, format_date_for, gettext, locale_name, ngettext
from liaison.drafts.numerals import article_label
from liaison.drafts.window import PHASE_LABELS

__all__ = ["TEMPLATES_DIR", "build_template_engine"]

TEMPLATES_DIR = Path(__file__).resolve().parents[1] / "templates"


def build_template_engine(settings: Settings) -> JinjaTemplateEngine:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
        extensions=["jinja2.ext.i18n"],
    )
    # newstyle: `_("… %(n)s", n=x)` formats after translating and autoescapes the arguments.
    env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
    tz = settings.tz
    env.filters["date"] = lambda value: _format_date(value, tz)
    env.filters["datetime"] = lambda value: _format_datetime(value, tz)
    env.filters["article"] = article_label
    # Readable JSON (Chinese as is); the result is still autoescaped as text.
    env.filters["json"] = lambda value: json.dumps(value, ensure_ascii=False, default=str)
    env.globals.update(
        station_name=settings.station_name,
        phase_labels=PHASE_LABELS,
        role_labels=ROLE_LABELS,
        Role=Role,
        current_locale=current_locale,
        available_locales=available_locales,
        locale_name=locale_name,
        html_lang=html_lang,
    )
    return JinjaTemplateEngine.from_environment(env)


def html_lang() -> str:
    """The BCP 47 tag for ``<html lang>`` (zh_CN → zh-CN), so screen readers pick the right voice."""
    return current_locale().replace("_", "-")


def _format_date(value: date | datetime | None, tz: ZoneInfo) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value, tz)
    return format_date_for(value, current_locale())


def _format_datetime(value: datetime | None, tz: ZoneInfo) -> str:
    if value is None:
        return ""
    local = to_local(value, tz)
    return f"{format_date_for(local, current_locale())} {local:%H:%M}"
