"""The interface language: message catalogs, the current locale, translated labels.

Chinese is the source language: every message in templates and code is
written in Simplified Chinese and marked (``_()`` / ``N_()`` in Python,
``_()`` / ``{% trans %}`` in templates), so the Chinese interface needs no
catalog at all. Another locale is a ``locale/<code>/LC_MESSAGES/messages.po``
file beside this package (``make messages`` extracts and updates them;
docs/i18n.md). The locale in force is a context variable, set per request by
:mod:`liaison.i18n.web`, so domain code can translate without knowing about
requests.
"""

from __future__ import annotations

from liaison.i18n import catalogs
from liaison.i18n.catalogs import (
    DEFAULT_LOCALE,
    LOCALES_DIR,
    Labels,
    N_,
    available_locales,
    current_locale,
    format_date_for,
    gettext,
    locale_name,
    ngettext,
    translations_for,
    use_locale,
)

_ = gettext

__all__ = ["_", *catalogs.__all__]
