"""Redirect targets taken from forms and query strings."""

from __future__ import annotations

__all__ = ["local_path"]


def local_path(target: str | None, default: str) -> str:
    """Only same-site paths, so no form can be used as an open redirect."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default
