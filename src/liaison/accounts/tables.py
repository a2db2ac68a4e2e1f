"""Accounts tables: staff users, their login sessions and API tokens.

Session and token secrets are never stored: only their SHA-256 digests, so a
copy of the database does not let anyone log in.
"""

from __future__ import annotations

from piccolo.columns import Boolean, ForeignKey, Integer, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

__all__ = ["ApiToken", "User", "UserSession"]


class User(Table, tablename="users"):
    """A staff account: admin, officer, office_staff or volunteer."""

    username = Varchar(length=64, unique=True)  # the unique constraint is its index
    display_name = Varchar(length=100, default="")
    role = Varchar(length=20)
    password_hash = Varchar(length=255)
    is_active = Boolean(default=True)
    # Bumped on every password change; sessions created before it are void.
    credentials_version = Integer(default=1)
    created_at = Timestamptz(default=TimestamptzNow())
    password_changed_at = Timestamptz(default=TimestamptzNow())


class UserSession(Table, tablename="user_sessions"):
    """A browser login; the cookie carries the secret, the table its digest."""

    token_hash = Varchar(length=64, unique=True)  # the unique constraint is its index
    user = ForeignKey(references=User, index=True)
    credentials_version = Integer(default=1)
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()


class ApiToken(Table, tablename="api_tokens"):
    """A bearer token for scripts and the JSON API, shown once at creation."""

    token_hash = Varchar(length=64, unique=True)  # the unique constraint is its index
    prefix = Varchar(length=12)
    name = Varchar(length=100, default="")
    user = ForeignKey(references=User, index=True)
    created_at = Timestamptz(default=TimestamptzNow())
    last_used_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)
