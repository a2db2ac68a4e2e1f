"""The module piccolo's own machinery (migrations) looks its engine up in.

``DB`` stays ``None`` until ``liaison.db.connect()`` sets it: no engine is
built at import. ``APP_REGISTRY`` is built when piccolo first asks for it
(migrations): ``piccolo.conf.apps`` imports black, ~0.1 s that every other
``liaison`` command, query script and server start would pay for nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from piccolo.engine.base import Engine

if TYPE_CHECKING:
    from piccolo.conf.apps import AppRegistry

    APP_REGISTRY: AppRegistry

DB: Engine | None = None


def __getattr__(name: str) -> Any:
    if name == "APP_REGISTRY":
        from piccolo.conf.apps import AppRegistry

        registry = globals()["APP_REGISTRY"] = AppRegistry(apps=["liaison.piccolo_app"])
        return registry
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
