"""Accounts: creating users, logging in and out, API tokens.

Used by the web layer and by the CLI alike.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from anyio import to_thread

from liaison.accounts.roles import Role, parse_role
from liaison.accounts.secrets import (
    check_password_strength,
    hash_password,
    hash_token,
    needs_rehash,
    new_token,
    verify_password,
)
from liaison.accounts.tables import ApiToken, User, UserSession
from liaison.core.dates import as_utc
from liaison.core.errors import Conflict, Invalid, NotFound
from liaison.db import transaction
from liaison.i18n import _

__all__ = [
    "CurrentUser",
    "authenticate",
    "change_password",
    "create_token",
    "create_user",
    "end_session",
    "ensure_admin",
    "resolve_session",
    "resolve_token",
    "start_session",
]

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.\-]{2,64}$")
SESSION_TOKEN_PREFIX = "sess"
API_TOKEN_PREFIX = "lsn"


@dataclass(frozen=True, slots=True)
class CurrentUser:
    """Who is making the request, as handlers and templates see it."""

    id: int
    username: str
    display_name: str
    role: Role
    via: str  # "session" or "token"

    @property
    def name(self) -> str:
        return self.display_name or self.username

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles


def _now() -> datetime:
    return datetime.now(UTC)


def _current(row: dict, via: str) -> CurrentUser:
    return CurrentUser(
        id=row["id"],
        username=row["username"],
        display_name=row["display_name"],
        role=Role(row["role"]),
        via=via,
    )


async def create_user(username: str, password: str, role: str | Role, *, display_name: str = "",
                      actor: str = "") -> int:
    """Create a staff account; errors name the field at fault."""
    username = username.strip()
    if not USERNAME_RE.match(username):
        raise Invalid(_("用户名只能由 2–64 个字母、数字、下划线、点或连字符组成"), field="username")
    try:
        role = parse_role(str(role))
    except ValueError as exc:
        raise Invalid(str(exc), field="role") from None
    problem = check_password_strength(password)
    if problem:
        raise Invalid(problem, field="password")
    password_hash = await to_thread.run_sync(hash_password, password)
    async with transaction():
        if await User.exists().where(User.username == username).run():
            raise Conflict(_("用户名 %(username)s 已存在") % {"username": username}, field="username")
        rows = await User.insert(
            User(username=username, display_name=display_name.strip(), role=role.value, password_hash=password_hash)
        ).run()
        from liaison.audit import service as audit

        await audit.record("user", rows[0]["id"], "create", actor, after={"username": username, "role": role.value})
    return rows[0]["id"]


async def ensure_admin() -> str | None:
    """Make sure an admin exists. Returns a one-time password if one was created.

    The password is random and printed once by the caller: there is never a
    fixed default password to forget to change.
    """
    if await User.exists().where((User.role == Role.ADMIN.value) & (User.is_active == True)).run():  # noqa: E712
        return None
    password = secrets.token_urlsafe(12)
    username = "admin"
    if await User.exists().where(User.username == username).run():
        await change_password(username, password)
        await User.update({User.role: Role.ADMIN.value, User.is_active: True}).where(User.username == username).run()
    else:
        await create_user(username, password, Role.ADMIN, display_name="系统管理员")
    return password


async def change_password(username: str, new_password: str) -> None:
    """Set a new password and void every existing session of the user."""
    problem = check_password_strength(new_password)
    if problem:
        raise Invalid(problem, field="password")
    new_hash = await to_thread.run_sync(hash_password, new_password)  # before the write lock is taken
    async with transaction():
        row = await User.select(User.id, User.credentials_version).where(User.username == username).first().run()
        if row is None:
            raise NotFound(_("没有用户 %(username)s") % {"username": username}, field="username")
        await User.update(
            {
                User.password_hash: new_hash,
                User.credentials_version: row["credentials_version"] + 1,
                User.password_changed_at: _now(),
            }
        ).where(User.id == row["id"]).run()
        await UserSession.delete().where(UserSession.user == row["id"]).run()
        from liaison.audit import service as audit

        await audit.record("user", row["id"], "change_password", username)  # never the password itself


async def authenticate(username: str, password: str) -> CurrentUser | None:
    """Check a username and password; None when either is wrong or the user is disabled.

    argon2 takes about a second of CPU by design; it runs in a worker thread so that a login
    does not hold up every other request on the event loop (measured with bench/load.py).
    """
    row = await User.select().where(User.username == username.strip()).first().run()
    ok = await to_thread.run_sync(verify_password, row["password_hash"] if row else None, password)
    if not row or not ok or not row["is_active"]:
        return None
    if needs_rehash(row["password_hash"]):
        new_hash = await to_thread.run_sync(hash_password, password)
        await User.update({User.password_hash: new_hash}).where(User.id == row["id"]).run()
    return _current(row, "session")


async def start_session(user_id: int, hours: int) -> str:
    """Create a login session and return the secret for the cookie."""
    token = new_token(SESSION_TOKEN_PREFIX)
    version = await User.select(User.credentials_version).where(User.id == user_id).first().run()
    await UserSession.insert(
        UserSession(
            token_hash=hash_token(token),
            user=user_id,
            credentials_version=version["credentials_version"] if version else 1,
            expires_at=_now() + timedelta(hours=hours),
        )
    ).run()
    return token


async def resolve_session(token: str, hours: int) -> CurrentUser | None:
    """The user behind a session cookie, extending the session while it is used."""
    if not token.startswith(f"{SESSION_TOKEN_PREFIX}_"):
        return None
    row = (
        await UserSession.select(
            UserSession.id,
            UserSession.expires_at,
            UserSession.credentials_version,
            *UserSession.user.all_columns(exclude=[UserSession.user.password_hash]),
        )
        .where(UserSession.token_hash == hash_token(token))
        .first()
        .run()
    )
    if row is None:
        return None
    now = _now()
    expired = as_utc(row["expires_at"]) <= now
    stale = row["credentials_version"] != row["user.credentials_version"]
    if expired or stale or not row["user.is_active"]:
        await UserSession.delete().where(UserSession.id == row["id"]).run()
        return None
    # Slide the expiry only when half of it is used, to avoid a write per request.
    if as_utc(row["expires_at"]) - now < timedelta(hours=hours) / 2:
        await UserSession.update({UserSession.expires_at: now + timedelta(hours=hours)}).where(
            UserSession.id == row["id"]
        ).run()
    user = {key.removeprefix("user."): value for key, value in row.items() if key.startswith("user.")}
    return _current(user, "session")


async def end_session(token: str) -> None:
    await UserSession.delete().where(UserSession.token_hash == hash_token(token)).run()


async def create_token(username: str, name: str = "") -> str:
    """Create an API token for a user; the token is returned once and never stored."""
    row = await User.select(User.id, User.is_active).where(User.username == username.strip()).first().run()
    if row is None:
        raise NotFound(_("没有用户 %(username)s") % {"username": username}, field="username")
    if not row["is_active"]:
        raise Conflict(_("用户 %(username)s 已停用") % {"username": username}, field="username")
    token = new_token(API_TOKEN_PREFIX)
    await ApiToken.insert(
        ApiToken(token_hash=hash_token(token), prefix=token[:8], name=name.strip(), user=row["id"])
    ).run()
    return token


async def resolve_token(token: str) -> CurrentUser | None:
    """The user behind a bearer token, if the token is live."""
    if not token.startswith(f"{API_TOKEN_PREFIX}_"):
        return None
    row = (
        await ApiToken.select(
            ApiToken.id,
            ApiToken.revoked_at,
            ApiToken.last_used_at,
            *ApiToken.user.all_columns(exclude=[ApiToken.user.password_hash]),
        )
        .where(ApiToken.token_hash == hash_token(token))
        .first()
        .run()
    )
    if row is None or row["revoked_at"] is not None or not row["user.is_active"]:
        return None
    now = _now()
    last = row["last_used_at"]
    if last is None or now - as_utc(last) > timedelta(minutes=5):
        await ApiToken.update({ApiToken.last_used_at: now}).where(ApiToken.id == row["id"]).run()
    user = {key.removeprefix("user."): value for key, value in row.items() if key.startswith("user.")}
    return _current(user, "token")


async def revoke_token(prefix: str) -> int:
    """Revoke tokens by their printed prefix; returns how many were revoked."""
    rows = await ApiToken.update({ApiToken.revoked_at: _now()}).where(
        (ApiToken.prefix == prefix) & (ApiToken.revoked_at.is_null())
    ).returning(ApiToken.id).run()
    return len(rows)
