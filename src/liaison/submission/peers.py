"""The station this one reports to (one upstream) and the lower stations allowed to report here."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from liaison import db
from liaison.audit import service as audit
from liaison.core.errors import Invalid, NotFound
from liaison.i18n import _
from liaison.submission.tables import PeerStation

__all__ = [
    "INBOUND_PATH",
    "add_downstream",
    "downstream_by_station_id",
    "get_upstream",
    "list_peers",
    "new_key",
    "remove_downstream",
    "set_upstream",
]

#: Where a station running Liaison receives packets (appended to the upstream's base URL).
INBOUND_PATH = "/api/v1/inbound/packets"
_STATION_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
MIN_KEY_LENGTH = 16


def new_key() -> str:
    """A fresh shared key (256 bits, URL-safe) for a lower station."""
    return secrets.token_urlsafe(32)


def _check_station_id(station_id: str) -> str:
    station_id = station_id.strip()
    if not _STATION_ID.match(station_id):
        raise Invalid(_("站点编号只能包含字母、数字、点、下划线和连字符（最多 64 个字符），如 county-xx"), field="station_id")
    return station_id


def _check_key(key: str) -> str:
    key = key.strip()
    if len(key) < MIN_KEY_LENGTH:
        raise Invalid(_("共享密钥至少 %(min)s 个字符；可用 `liaison stations add` 生成") % {"min": MIN_KEY_LENGTH}, field="key")
    return key


def _check_url(url: str) -> str:
    url = url.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Invalid(_("上级站地址应为 http(s)://主机[:端口]，如 https://city.example.cn"), field="url")
    return url


async def set_upstream(url: str, station_id: str, key: str, *, name: str = "", actor: str) -> dict[str, Any]:
    """Configure (or replace) the upstream: its base URL, our id there and the shared key."""
    url, station_id, key = _check_url(url), _check_station_id(station_id), _check_key(key)
    async with db.transaction():
        existing = await PeerStation.objects().where(PeerStation.direction == "upstream").first().run()
        if existing is None:
            existing = PeerStation(direction="upstream", station_id=station_id, name=name, url=url, key=key)
            await existing.save().run()
            before = None
        else:
            before = {"url": existing.url, "station_id": existing.station_id}
            await PeerStation.update({
                PeerStation.station_id: station_id, PeerStation.url: url, PeerStation.key: key,
                PeerStation.name: name or existing.name, PeerStation.active: True,
                PeerStation.updated_at: datetime.now(UTC),
            }).where(PeerStation.id == existing.id).run()
        await audit.record("upstream", existing.id, "configure", actor, before=before,
                           after={"url": url, "station_id": station_id})
    return await get_upstream()  # type: ignore[return-value]


async def get_upstream() -> dict[str, Any] | None:
    return await PeerStation.select().where(
        (PeerStation.direction == "upstream") & (PeerStation.active == True)  # noqa: E712
    ).first().run()


async def add_downstream(station_id: str, name: str, *, key: str | None = None, url: str = "",
                         actor: str) -> dict[str, Any]:
    """Accept packets from a lower station; returns the row, including the key to give it."""
    station_id = _check_station_id(station_id)
    key = _check_key(key) if key else new_key()
    url = _check_url(url) if url else ""
    if not name.strip():
        raise Invalid(_("请填写下级站名称"), field="name")
    async with db.transaction():
        if await downstream_by_station_id(station_id, include_inactive=True):
            raise Invalid(_("下级站 %(id)s 已存在；换密钥请先删除再添加") % {"id": station_id}, field="station_id")
        row = PeerStation(direction="downstream", station_id=station_id, name=name.strip(), url=url, key=key)
        await row.save().run()
        await audit.record("downstream", row.id, "add", actor, after={"station_id": station_id, "name": name})
    return {"id": row.id, "station_id": station_id, "name": row.name, "url": url, "key": key}


async def remove_downstream(station_id: str, *, actor: str) -> None:
    """Stop accepting a lower station (its packets already received stay)."""
    row = await downstream_by_station_id(station_id)
    if row is None:
        raise NotFound(_("没有编号为 %(id)s 的下级站") % {"id": station_id}, field="station_id")
    async with db.transaction():
        await PeerStation.update({PeerStation.active: False, PeerStation.updated_at: datetime.now(UTC)}).where(
            PeerStation.id == row["id"]).run()
        await audit.record("downstream", row["id"], "remove", actor, before={"station_id": station_id})


async def downstream_by_station_id(station_id: str, *, include_inactive: bool = False) -> dict[str, Any] | None:
    where = (PeerStation.direction == "downstream") & (PeerStation.station_id == station_id)
    if not include_inactive:
        where = where & (PeerStation.active == True)  # noqa: E712
    return await PeerStation.select().where(where).first().run()


async def list_peers() -> list[dict[str, Any]]:
    """Every peer without its key (for pages and listings)."""
    return await PeerStation.select(
        PeerStation.id, PeerStation.direction, PeerStation.station_id, PeerStation.name, PeerStation.url,
        PeerStation.active, PeerStation.created_at,
    ).order_by(PeerStation.direction).order_by(PeerStation.station_id).run()
