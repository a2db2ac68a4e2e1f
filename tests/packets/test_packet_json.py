"""packet.json: stable UTF-8 bytes, round trip, and validation against the shipped JSON Schema."""

from __future__ import annotations

import copy
import json

import pytest
from jsonschema import Draft202012Validator
from test_packet_sample import MASKED_PHONE, PHONE, XSS, sample_packet

from liaison.packets.export_json import PacketInvalid, load_schema, packet_from_json, packet_to_json, validate
from liaison.packets.model import SCHEMA, Packet


def test_json_is_utf8_stable_and_round_trips() -> None:
    packet = sample_packet()
    data = packet_to_json(packet)
    assert data == packet_to_json(Packet.from_dict(json.loads(data)))  # byte-stable
    text = data.decode("utf-8")
    assert "某市养犬管理条例" in text and "\\u" not in text
    assert list(json.loads(data)) == ["schema", "version", "station", "draft", "compiled_at", "compiled_by",
                                      "personal_data", "sections", "key_questions", "statistics"]
    assert json.loads(data)["schema"] == SCHEMA
    assert packet_from_json(data) == packet
    assert XSS in text  # kept verbatim in data; escaping is the renderer's job
    assert MASKED_PHONE in text and PHONE not in text


def test_schema_is_valid_draft_2020_12_and_accepts_packets() -> None:
    Draft202012Validator.check_schema(load_schema())
    for mode in ("masked", "full"):
        doc = validate(packet_to_json(sample_packet(mode)))
        assert doc["personal_data"] == mode


def test_unknown_fields_are_allowed_for_additive_changes() -> None:
    doc = sample_packet().to_dict()
    doc["signature_hint"] = "x"
    doc["sections"]["general"][0]["topics"] = ["宣传"]
    validate(doc)


@pytest.mark.parametrize(("mutate", "fragment"), [
    (lambda d: d.update(schema="liaison.packet/2"), "schema"),
    (lambda d: d.update(version=0), "version"),
    (lambda d: d.pop("statistics"), "statistics"),
    (lambda d: d["sections"]["articles"][1]["points"][0].update(count="12"), "count"),
    (lambda d: d["sections"]["articles"][1]["points"][0].update(stance="angry"), "stance"),
    (lambda d: d["sections"]["articles"][1]["points"][0]["examples"].append(
        {"text": "x", "suggestion": None, "reason": None, "contributor": None, "channel": None, "office": None}),
     "examples"),
    (lambda d: d.update(personal_data="some"), "personal_data"),
    (lambda d: d.update(compiled_at="yesterday"), "compiled_at"),
    (lambda d: d["key_questions"][0]["points"].append("p999"), "p999"),
    (lambda d: d["statistics"].update(collected=1), "collected"),
    (lambda d: d["sections"]["general"].append(copy.deepcopy(d["sections"]["general"][0])), "more than once"),
])
def test_invalid_packets_fail_validation(mutate, fragment) -> None:  # type: ignore[no-untyped-def]
    doc = sample_packet().to_dict()
    mutate(doc)
    with pytest.raises(PacketInvalid) as info:
        validate(doc)
    assert fragment in str(info.value)


def test_validate_rejects_non_json() -> None:
    with pytest.raises(PacketInvalid, match="not JSON"):
        validate(b"{nope")
