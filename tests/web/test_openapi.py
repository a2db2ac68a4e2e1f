"""The generated OpenAPI document describes every refusal in the app's one error shape.

Built from ``create_app`` without a database: the document depends only on the route decorators.
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path
from typing import Any

import pytest

from liaison.app import create_app
from liaison.config import Settings
from liaison.web.openapi import REFUSAL_DESCRIPTIONS, error_responses, refusals

DOCS = Path(__file__).resolve().parents[2] / "docs" / "api.md"
ERROR_REF = "#/components/schemas/ErrorBody"
#: operations that refuse nothing: any caller, no parameters, no body (a bad token simply reads as public)
NEVER_REFUSED = {"GET /api/v1/drafts"}


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("openapi")
    settings = Settings(database_url=f"sqlite:///{work / 'unused.sqlite3'}", secret_key=secrets.token_urlsafe(40),
                        data_dir=work)
    return create_app(settings, manage_database=False).openapi_schema.to_schema()


def _operations(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f"{method.upper()} {path}": operation for path, item in document["paths"].items()
            for method, operation in item.items() if isinstance(operation, dict) and "responses" in operation}


def _schema_ref(response: dict[str, Any]) -> str | None:
    return response.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref")


def test_every_api_operation_documents_its_refusals_as_the_error_body(document: dict[str, Any]) -> None:
    api = {label: op for label, op in _operations(document).items() if label.split(" ", 1)[1].startswith("/api/")}
    assert len(api) >= 11, sorted(api)
    for label, operation in api.items():
        refused = {status: response for status, response in operation["responses"].items() if status.startswith("4")}
        if label in NEVER_REFUSED:
            assert not refused, (label, sorted(refused))
            continue
        assert refused, f"{label} documents no 4xx"
        for status, response in refused.items():
            assert _schema_ref(response) == ERROR_REF, (label, status, response)


def test_no_operation_keeps_litestars_own_error_schema(document: dict[str, Any]) -> None:
    """litestar's generated 400 (``{status_code, detail, extra}``) is a shape the app never answers."""
    for label, operation in _operations(document).items():
        for status, response in operation["responses"].items():
            schema = response.get("content", {}).get("application/json", {}).get("schema", {})
            assert "status_code" not in schema.get("properties", {}), (label, status)


def test_the_error_body_schema_requires_code_and_message_and_allows_more(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    body, detail = schemas["ErrorBody"], schemas["ErrorDetail"]
    assert body["required"] == ["error"]
    assert body["properties"]["error"]["$ref"] == "#/components/schemas/ErrorDetail"
    assert sorted(detail["required"]) == ["code", "message"]
    assert detail.get("additionalProperties", True) is not False  # refusals add keys of their own
    for key in ("field", "phase", "comment_opens", "comment_closes", "retry_after", "line", "id"):
        assert key in detail["properties"], key


def test_rate_limited_answers_document_retry_after(document: dict[str, Any]) -> None:
    limited = [(label, op["responses"]["429"]) for label, op in _operations(document).items()
               if "429" in op["responses"]]
    assert [label for label, _ in limited] == ["POST /api/v1/drafts/{slug}/opinions"]
    for _, response in limited:
        assert response["headers"]["Retry-After"]["schema"]["type"] == "integer"


def test_second_success_codes_are_documented(document: dict[str, Any]) -> None:
    operations = _operations(document)
    assert "200" in operations["POST /api/v1/drafts/{slug}/opinions"]["responses"]  # a public repeat
    assert "200" in operations["POST /api/v1/inbound/packets"]["responses"]  # a replay
    health = operations["GET /health"]["responses"]
    assert _schema_ref(health["503"]) == _schema_ref(health["200"]) == "#/components/schemas/HealthReport"


def test_docs_list_each_operations_refusals(document: dict[str, Any]) -> None:
    """docs/api.md's endpoint table names, per operation, exactly the refusals the document declares."""
    rows: dict[str, set[str]] = {}
    for line in DOCS.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        match = re.fullmatch(r"`(GET|POST) (/[^`\[]*)(?:\[[^`]*\])?`", cells[0]) if len(cells) >= 4 else None
        if match:
            rows[f"{match[1]} {match[2]}"] = set(re.findall(r"\b[45]\d\d\b", cells[-1]))
    for label, operation in _operations(document).items():
        declared = {status for status in operation["responses"] if status[0] in "45"}
        assert label in rows, f"docs/api.md has no row for {label}"
        assert rows[label] == declared, (label, sorted(rows[label]), sorted(declared))


def test_error_responses_refuses_an_undescribed_status() -> None:
    assert sorted(error_responses(404, 401)) == [401, 404]
    with pytest.raises(ValueError, match="418"):
        error_responses(418)
    assert 418 not in REFUSAL_DESCRIPTIONS


def test_refusals_refuses_a_status_given_twice() -> None:
    from litestar.openapi.datastructures import ResponseSpec

    with pytest.raises(ValueError, match="404"):
        refusals(404, other={404: ResponseSpec(None)})
