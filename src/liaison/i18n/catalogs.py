"""Catalog loading and the gettext functions that read the current locale.

Catalogs are read from the ``.po`` files at first use and compiled in memory
(no ``.mo`` build step, so a fresh checkout and ``pip install -e`` just work).
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import TypeVar

from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from liaison.core.dates import format_date

__all__ = [
    "DEFAULT_LOCALE",
    "LOCALES_DIR",
    "Labels",
    "N_",
    "available_locales",
    "current_locale",
    "format_date_for",
    "gettext",
    "locale_name",
    "ngettext",
    "translations_for",
    "use_locale",
]

#: The source language of every message; it needs no catalog.
DEFAULT_LOCALE = "zh_CN"
LOCALES_DIR = Path(__file__).resolve().parents[1] / "locale"
DOMAIN = "messages"

_current: ContextVar[str] = ContextVar("liaison_locale", default=DEFAULT_LOCALE)

K = TypeVar("K")


def N_(message: str) -> str:
    """Mark a message for extraction without translating it now (module-level tables)."""
    return message


@cache
def available_locales() -> tuple[str, ...]:
    """The source locale first, then every locale that has a catalog, sorted."""
    found = sorted(
        path.parent.parent.name
        for path in LOCALES_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po")
        if path.parent.parent.name != DEFAULT_LOCALE
    )
    return (DEFAULT_LOCALE, *found)


@cache
def translations_for(locale: str) -> NullTranslations:
    """The compiled catalog of one locale; the source locale translates to itself."""
    if locale == DEFAULT_LOCALE or locale not in available_locales():
        return NullTranslations()
    with (LOCALES_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as po:
        catalog = read_po(po, locale=locale)
    buffer = io.BytesIO()
    # Fuzzy entries are guesses made by `pybabel update`; showing them would show wrong text.
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


def current_locale() -> str:
    return _current.get()


@contextmanager
def use_locale(locale: str) -> Iterator[str]:
    """Translate into ``locale`` inside the block (unknown locales fall back to Chinese)."""
    chosen = locale if locale in available_locales() else DEFAULT_LOCALE
    token = _current.set(chosen)
    try:
        yield chosen
    finally:
        _current.reset(token)


def set_locale(locale: str) -> None:
    """Set the locale for the rest of the current context (one request's task)."""
    _current.set(locale if locale in available_locales() else DEFAULT_LOCALE)


def gettext(message: str) -> str:
    locale = _current.get()
    if locale == DEFAULT_LOCALE:
        return message
    return translations_for(locale).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    locale = _current.get()
    if locale == DEFAULT_LOCALE:
        return singular if n == 1 else plural
    return translations_for(locale).ngettext(singular, plural, n)


def locale_name(locale: str) -> str:
    """The locale's own name for itself (中文 / English), for the language switcher."""
    return Locale.parse(locale).get_display_name(locale) or locale


def format_date_for(value: date | datetime, locale: str) -> str:
    """A date in the locale's long form; Chinese keeps the station's 2026年12月31日."""
    if locale == DEFAULT_LOCALE:
        return format_date(value)
    return babel_format_date(value, format="long", locale=locale)


class Labels(Mapping[K, str]):
    """A table of display labels translated when read, not when the module is imported.

    Module-level label dicts are built once at import, before any request picks a
    locale; wrapping them keeps ``labels[key]`` working everywhere while the text
    follows the current locale. Mark the values with ``N_`` so they are extracted.
    """

    __slots__ = ("_source",)

    def __init__(self, source: Mapping[K, str]) -> None:
        self._source = dict(source)

    def __getitem__(self, key: K) -> str:
        return gettext(self._source[key])

    def __iter__(self) -> Iterator[K]:
        return iter(self._source)

    def __len__(self) -> int:
        return len(self._source)

    def source(self, key: K) -> str:
        """The untranslated (Chinese) label — for documents that must stay in Chinese."""
        return self._source[key]

    def __repr__(self) -> str:
        return f"Labels({self._source!r})"
