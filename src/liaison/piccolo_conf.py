"""The module piccolo's own machinery (migrations) looks its engine up in.

``DB`` stays ``None`` until ``liaison.db.connect()`` sets it: no engine is
built at import.
"""

from __future__ import annotations

from piccolo.conf.apps import AppRegistry
from piccolo.engine.base import Engine

DB: Engine | None = None

APP_REGISTRY = AppRegistry(apps=["liaison.piccolo_app"])
