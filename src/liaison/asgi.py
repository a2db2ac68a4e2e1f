"""ASGI entry point for uvicorn (``liaison serve`` uses it as a factory)."""

from __future__ import annotations

from litestar import Litestar

from liaison.app import create_app
from liaison.config import load_settings

__all__ = ["create"]


def create() -> Litestar:
    """Build the app from the environment; called by uvicorn in each worker."""
    return create_app(load_settings())
