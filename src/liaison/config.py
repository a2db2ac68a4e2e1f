"""Settings, loaded explicitly from the environment.

Nothing here runs at import time: ``load_settings()`` is called by the CLI and
by tests, and the resulting frozen ``Settings`` is passed to whatever needs it.
Every variable read here is listed in ``SETTINGS_DOC`` and documented in
``docs/configuration.md`` (a test keeps the two in step).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["DEFAULT_STATION_NAME", "ConfigError", "Settings", "SETTINGS_DOC", "load_settings"]


class ConfigError(ValueError):
    """A setting has a value the service cannot use; the message names it."""


#: Environment variable -> one-line description (kept in step with docs/configuration.md).
SETTINGS_DOC: dict[str, str] = {
    "DATABASE_URL": "sqlite:///path (default: sqlite:///<data dir>/liaison.sqlite3) or postgresql://user@host:port/db",
    "LIAISON_SECRET_KEY": "signing key for sessions and CSRF; default: generated once into <data dir>/secret_key",
    "LIAISON_HOST": "address to listen on (default 127.0.0.1)",
    "LIAISON_PORT": "port to listen on (default 8000)",
    "LIAISON_DATA_DIR": "directory for the SQLite file, secret key and uploads (default ./var)",
    "LIAISON_TIMEZONE": "the station's time zone for comment windows and dates (default Asia/Shanghai)",
    "LIAISON_SESSION_HOURS": "how long a login lasts without activity, in hours (default 8)",
    "LIAISON_MAX_UPLOAD_MB": "largest accepted upload (draft files), in MiB (default 2)",
    "LIAISON_STATION_NAME": "the station's name shown on every page (default 基层立法联络站)",
    "LIAISON_SECURE_COOKIES": "1 to mark cookies Secure (set when served over HTTPS; default 0)",
    "LIAISON_RUN_WORKER": "1 (default): `liaison serve` starts the analysis worker as a child process; 0 when `liaison worker` runs apart",
    "LIAISON_PUBLIC_POSTS_PER_10MIN": "opinions one public client may post in 10 minutes (default 30)",
    "LIAISON_CONTRIBUTOR_RETENTION_DAYS": "days contributor details are kept before `liaison privacy purge` deletes them (default 365)",
    "LIAISON_LOGIN_ATTEMPTS_PER_15MIN": "failed logins allowed per username and client in 15 minutes (default 10)",
    "LIAISON_LOCALE": "interface language when a visitor has not chosen one: zh_CN (default) or a locale with a catalog in src/liaison/locale",
}


#: The station name when none is configured (LIAISON_STATION_NAME).
DEFAULT_STATION_NAME = "基层立法联络站"


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the service needs to know about where and how it runs."""

    database_url: str
    secret_key: str
    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = Path("var")
    timezone: str = "Asia/Shanghai"
    session_hours: int = 8
    max_upload_bytes: int = 2 * 1024 * 1024
    station_name: str = DEFAULT_STATION_NAME
    secure_cookies: bool = False
    public_posts_per_10min: int = 30
    login_attempts_per_15min: int = 10
    contributor_retention_days: int = 365
    run_worker: bool = True
    locale: str = "zh_CN"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite:")


def _int(env: Mapping[str, str], name: str, default: int, *, minimum: int = 1) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a whole number") from None
    if value < minimum:
        raise ConfigError(f"{name}={value} must be at least {minimum}")
    return value


def _secret_key(env: Mapping[str, str], data_dir: Path) -> str:
    """Use LIAISON_SECRET_KEY, else a key generated once and kept in the data dir.

    A fixed default key would let anyone forge sessions, so there is none.
    """
    key = env.get("LIAISON_SECRET_KEY", "").strip()
    if key:
        if len(key) < 32:
            raise ConfigError("LIAISON_SECRET_KEY must be at least 32 characters")
        return key
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(key)
    return key


def _database_url(env: Mapping[str, str], data_dir: Path) -> str:
    url = env.get("DATABASE_URL", "").strip() or f"sqlite:///{data_dir / 'liaison.sqlite3'}"
    if url.startswith(("postgres://", "postgresql://", "postgresql+asyncpg://")) or url.startswith("sqlite:///"):
        return url
    raise ConfigError(
        f"DATABASE_URL={url!r} is not understood: use sqlite:///path/to/file.sqlite3 "
        "or postgresql://user:password@host:5432/dbname"
    )


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read settings from ``env`` (default: the process environment)."""
    env = os.environ if env is None else env
    data_dir = Path(env.get("LIAISON_DATA_DIR", "").strip() or "var")
    timezone = env.get("LIAISON_TIMEZONE", "").strip() or "Asia/Shanghai"
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"LIAISON_TIMEZONE={timezone!r} is not a known time zone (e.g. Asia/Shanghai)") from None
    locale = _locale(env)
    return Settings(
        database_url=_database_url(env, data_dir),
        secret_key=_secret_key(env, data_dir),
        host=env.get("LIAISON_HOST", "").strip() or "127.0.0.1",
        port=_int(env, "LIAISON_PORT", 8000),
        data_dir=data_dir,
        timezone=timezone,
        session_hours=_int(env, "LIAISON_SESSION_HOURS", 8),
        max_upload_bytes=_int(env, "LIAISON_MAX_UPLOAD_MB", 2) * 1024 * 1024,
        station_name=env.get("LIAISON_STATION_NAME", "").strip() or DEFAULT_STATION_NAME,
        secure_cookies=env.get("LIAISON_SECURE_COOKIES", "0").strip().lower() in {"1", "true", "yes"},
        public_posts_per_10min=_int(env, "LIAISON_PUBLIC_POSTS_PER_10MIN", 30),
        login_attempts_per_15min=_int(env, "LIAISON_LOGIN_ATTEMPTS_PER_15MIN", 10),
        contributor_retention_days=_int(env, "LIAISON_CONTRIBUTOR_RETENTION_DAYS", 365),
        run_worker=env.get("LIAISON_RUN_WORKER", "1").strip().lower() not in {"0", "false", "no"},
        locale=locale,
    )


def _locale(env: Mapping[str, str]) -> str:
    from liaison.i18n import DEFAULT_LOCALE, available_locales

    locale = env.get("LIAISON_LOCALE", "").strip() or DEFAULT_LOCALE
    if locale not in available_locales():
        known = ", ".join(available_locales())
        raise ConfigError(f"LIAISON_LOCALE={locale!r} has no catalog; use one of: {known}")
    return locale
