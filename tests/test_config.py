import re
from pathlib import Path

import pytest

from liaison.config import SETTINGS_DOC, ConfigError, load_settings

ROOT = Path(__file__).resolve().parents[1]


def test_defaults_use_sqlite_in_data_dir_and_generate_a_persistent_secret(tmp_path: Path) -> None:
    env = {"LIAISON_DATA_DIR": str(tmp_path)}
    first = load_settings(env)
    assert first.database_url == f"sqlite:///{tmp_path / 'liaison.sqlite3'}"
    assert len(first.secret_key) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    assert load_settings(env).secret_key == first.secret_key
    assert (first.host, first.port, first.timezone) == ("127.0.0.1", 8000, "Asia/Shanghai")


def test_reads_every_variable(tmp_path: Path) -> None:
    env = {
        "DATABASE_URL": "postgresql://u:p@db:5432/liaison",
        "LIAISON_SECRET_KEY": "k" * 40,
        "LIAISON_HOST": "0.0.0.0",
        "LIAISON_PORT": "9000",
        "LIAISON_DATA_DIR": str(tmp_path),
        "LIAISON_TIMEZONE": "Asia/Urumqi",
        "LIAISON_SESSION_HOURS": "2",
        "LIAISON_MAX_UPLOAD_MB": "5",
        "LIAISON_STATION_NAME": "某区基层立法联络站",
        "LIAISON_SECURE_COOKIES": "1",
        "LIAISON_PUBLIC_POSTS_PER_10MIN": "5",
        "LIAISON_LOGIN_ATTEMPTS_PER_15MIN": "3",
        "LIAISON_CONTRIBUTOR_RETENTION_DAYS": "30",
        "LIAISON_RUN_WORKER": "0",
        "LIAISON_LOCALE": "en",
    }
    s = load_settings(env)
    assert s.database_url == "postgresql://u:p@db:5432/liaison"
    assert (s.host, s.port, s.session_hours, s.max_upload_bytes) == ("0.0.0.0", 9000, 2, 5 * 1024 * 1024)
    assert s.station_name == "某区基层立法联络站" and s.secure_cookies and s.timezone == "Asia/Urumqi"
    assert (s.public_posts_per_10min, s.login_attempts_per_15min, s.contributor_retention_days) == (5, 3, 30)
    assert s.run_worker is False and s.locale == "en"
    assert set(env) == set(SETTINGS_DOC), "a variable is read but not listed in SETTINGS_DOC, or vice versa"


@pytest.mark.parametrize(
    ("name", "value", "needle"),
    [
        ("LIAISON_PORT", "eighty", "LIAISON_PORT"),
        ("LIAISON_PORT", "0", "LIAISON_PORT"),
        ("DATABASE_URL", "mysql://x", "DATABASE_URL"),
        ("LIAISON_TIMEZONE", "Mars/Base", "LIAISON_TIMEZONE"),
        ("LIAISON_SECRET_KEY", "short", "LIAISON_SECRET_KEY"),
        ("LIAISON_LOCALE", "fr", "LIAISON_LOCALE"),
    ],
)
def test_bad_values_name_the_variable(tmp_path: Path, name: str, value: str, needle: str) -> None:
    with pytest.raises(ConfigError, match=needle):
        load_settings({"LIAISON_DATA_DIR": str(tmp_path), name: value})


def test_every_setting_is_documented() -> None:
    doc = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", doc))
    missing = set(SETTINGS_DOC) - documented
    assert not missing, f"document these in docs/configuration.md: {sorted(missing)}"


def test_importing_the_app_builds_no_settings_or_engine() -> None:
    import liaison.app  # noqa: F401
    import liaison.piccolo_conf as conf

    # The engine is bound only by db.connect(); at import it must not exist.
    source = (ROOT / "src" / "liaison" / "piccolo_conf.py").read_text(encoding="utf-8")
    assert "DB: Engine | None = None" in source
    assert "load_settings(" not in (ROOT / "src" / "liaison" / "app.py").read_text(encoding="utf-8")
    assert conf.APP_REGISTRY is not None
