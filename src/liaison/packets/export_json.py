"""packet.json: the packet in its versioned JSON form (schema ``liaison.packet/1``).

The bytes are UTF-8 with Chinese kept as is (``ensure_ascii=False``) and keys in the fixed order
of :meth:`Packet.to_dict`, so the same packet always gives the same bytes (useful for signing
and idempotent submission). :func:`validate` checks a document against the JSON Schema shipped
next to this module (``schema/packet-v1.schema.json``, Draft 2020-12) and then the rules a
schema cannot state (unique point ids, key questions pointing at real points, the totals adding up).
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

from liaison.packets.model import SCHEMA, Packet

__all__ = ["PacketInvalid", "load_schema", "packet_from_json", "packet_to_json", "validate"]

SCHEMA_FILE = "packet-v1.schema.json"


class PacketInvalid(ValueError):
    """A packet document does not match the schema; ``errors`` lists every problem found."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("packet does not match " + SCHEMA + ": " + "; ".join(errors))


@lru_cache(maxsize=1)
def load_schema() -> dict[str, Any]:
    """The JSON Schema of ``liaison.packet/1`` (package data)."""
    text = resources.files("liaison.packets").joinpath("schema", SCHEMA_FILE).read_text(encoding="utf-8")
    return json.loads(text)


@lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    schema = load_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())


def packet_to_json(packet: Packet, *, indent: int | None = 2) -> bytes:
    """The packet as UTF-8 JSON bytes (stable key order, Chinese unescaped, trailing newline)."""
    text = json.dumps(packet.to_dict(), ensure_ascii=False, indent=indent, sort_keys=False)
    return (text + "\n").encode("utf-8")


def _load(data: bytes | str | dict[str, Any]) -> Any:
    if isinstance(data, bytes):
        data = data.decode("utf-8")
    if isinstance(data, str):
        try:
            return json.loads(data)
        except json.JSONDecodeError as exc:
            raise PacketInvalid([f"not JSON: {exc}"]) from exc
    return data


def _semantic_errors(doc: dict[str, Any]) -> list[str]:
    errors: list[str] = []
    sections = doc["sections"]
    points = list(sections["general"])
    for article in sections["articles"]:
        points.extend(article["points"])
    ids = [p["id"] for p in points]
    seen: set[str] = set()
    for pid in ids:
        if pid in seen:
            errors.append(f"sections: point id {pid!r} is used more than once")
        seen.add(pid)
    for p in points:
        if p["people"] > p["count"]:
            errors.append(f"point {p['id']!r}: people exceeds count")
    for n, kq in enumerate(doc["key_questions"]):
        for pid in kq["points"]:
            if pid not in seen:
                errors.append(f"key_questions/{n}: unknown point id {pid!r}")
    stats = doc["statistics"]
    if stats["collected"] != stats["kept"] + stats["unscreened"] + stats["set_aside"]:
        errors.append("statistics: collected must equal kept + unscreened + set_aside")
    return errors


def validate(data: bytes | str | dict[str, Any]) -> dict[str, Any]:
    """Check a packet document (bytes, str or parsed dict); return the parsed dict or raise :class:`PacketInvalid`."""
    doc = _load(data)
    errors = [
        f"{'/'.join(str(p) for p in err.absolute_path) or '(root)'}: {err.message}"
        for err in sorted(_validator().iter_errors(doc), key=lambda e: list(map(str, e.absolute_path)))
    ]
    if errors:
        raise PacketInvalid(errors)
    errors = _semantic_errors(doc)
    if errors:
        raise PacketInvalid(errors)
    return doc


def packet_from_json(data: bytes | str | dict[str, Any]) -> Packet:
    """Validate a packet document and build the :class:`Packet` (e.g. one received from a lower station)."""
    return Packet.from_dict(validate(data))
