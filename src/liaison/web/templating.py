"""The Jinja environment: autoescaping on, Chinese date filters, role labels."""

from __future__ import annotations

import json
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar.plugins.jinja import JinjaTemplateEngine

from liaison.accounts.roles import ROLE_LABELS, Role
from liaison.config import Settings
from liaison.core.dates import format_date, format_datetime
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
    )
    tz = settings.tz
    env.filters["date"] = lambda value: format_date(value, tz)
    env.filters["datetime"] = lambda value: format_datetime(value, tz)
    env.filters["article"] = article_label
    # Readable JSON (Chinese as is); the result is still autoescaped as text.
    env.filters["json"] = lambda value: json.dumps(value, ensure_ascii=False, default=str)
    env.globals.update(
        station_name=settings.station_name,
        phase_labels=PHASE_LABELS,
        role_labels=ROLE_LABELS,
        Role=Role,
    )
    return JinjaTemplateEngine.from_environment(env)
