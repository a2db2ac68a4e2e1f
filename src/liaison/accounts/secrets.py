"""Passwords (argon2) and opaque tokens (stored only as SHA-256 digests)."""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

__all__ = [
    "MIN_PASSWORD_LENGTH",
    "check_password_strength",
    "hash_password",
    "hash_token",
    "needs_rehash",
    "new_token",
    "verify_password",
]

MIN_PASSWORD_LENGTH = 10
_hasher = PasswordHasher()
# Verifying against this when the user does not exist keeps timing uniform. It is a constant (the hash of a
# random, discarded password, with _hasher's parameters: tests/accounts checks they match) rather than
# hashed at import, which cost every process importing this module, each `liaison` command among them,
# one argon2 hash (~0.2 s of CPU).
_DUMMY_HASH = "$argon2id$v=19$m=65536,t=3,p=4$M1axOxbOOFWkuUhFpaz+Hw$TT1FUCW4LX/qFGXE6Wef0PvyPTjAiMoyPXvhRFH+9cQ"


def check_password_strength(password: str) -> str | None:
    """Return a message saying what is wrong with the password, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"密码至少需要 {MIN_PASSWORD_LENGTH} 个字符"
    if password.strip() != password:
        return "密码不能以空格开头或结尾"
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def new_token(prefix: str) -> str:
    """An unguessable token such as ``lsn_…``; the prefix tells what it is for."""
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
