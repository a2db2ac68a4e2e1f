"""Schemathesis over the app's own OpenAPI document: no 5xx, no stack trace, answers as documented.

The app runs as the real ``liaison serve`` in a subprocess (``liaison.devtools.server``) on a fresh
SQLite database (schemathesis drives its requests from its own thread and loop, which a pool bound
to the test loop does not allow, so the server lives in its own process). Setup goes through the real ``liaison`` command:
migrate, import and publish a draft, create an officer and an API token. Every operation in the
schema is fuzzed twice — anonymously and with the officer's bearer token — with a bounded number of
examples, so the file runs in well under a minute.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import sample_draft
from hypothesis import HealthCheck, given, note, settings
from hypothesis.errors import Unsatisfiable

schemathesis = pytest.importorskip("schemathesis")
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from liaison.devtools.server import LiaisonServer  # noqa: E402

MAX_EXAMPLES = 25
#: words that only appear in a Python stack trace or a framework debug page
TRACE_MARKERS = ("Traceback (most recent call last)", 'File "/', "litestar/", "site-packages", "asyncpg.",
                 "sqlite3.", "Exception:", "Error: ")


class Server:
    """What the tests need of the running server: its address, the officer's token, its log."""

    def __init__(self, url: str, token: str, log: Path) -> None:
        self.url = url
        self.token = token
        self.log = log


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    work = tmp_path_factory.mktemp("fuzz-server")
    # the fuzzer posts hundreds of opinions from one address; rate limiting is tested elsewhere
    server = LiaisonServer(f"sqlite:///{work / 'liaison.sqlite3'}", work / "data", worker=False,
                           env={"LIAISON_PUBLIC_POSTS_PER_10MIN": "1000000"}, log_path=work / "server.log")
    drafts_dir = work / "published"
    drafts_dir.mkdir()
    (drafts_dir / "dog-rules.md").write_text(sample_draft("dog-rules"), encoding="utf-8")
    server.migrate()
    with server.spawn():  # it boots (about 2 s) while the set-up commands run; stopped at the end
        server.cli("drafts", "import", "--publish", str(drafts_dir))
        server.cli("users", "create", "--username", "fuzz-officer", "--role", "officer",
                   stdin="officer passphrase " + secrets.token_hex(4) + "\n")
        token = server.cli("tokens", "create", "--username", "fuzz-officer").strip().splitlines()[-1].strip()
        server.wait_healthy()
        yield Server(server.url, token, server.log_path)


@pytest.fixture(scope="module")
def api_schema(server: Server) -> Any:
    return schemathesis.openapi.from_url(f"{server.url}/schema/openapi.json")


#: Every operation documents exactly the refusals it can answer (``liaison.web.openapi.refusals``), so
#: status_code_conformance holds each answer to its own operation and response_schema_conformance checks error
#: bodies as well as successes. This set stays as a guard over the document itself: a status outside it
#: (a 5xx, or one no client was told about in docs/api.md) fails even if some operation documented it.
ALLOWED_STATUS = {200, 201, 400, 401, 403, 404, 409, 413, 422, 429}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# CI explores the same examples every run (a landing must not hinge on luck); locally each run explores anew.
FUZZ_SETTINGS = settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=bool(os.environ.get("CI")),
                         suppress_health_check=list(HealthCheck))


def _no_trace(response: Any) -> None:
    body = response.content.decode("utf-8", "replace")
    for marker in TRACE_MARKERS:
        assert marker not in body, f"stack trace in the response ({marker!r}):\n{body[:2000]}"


def _fuzz(api_schema: Any, server: Server, *, mode: str, headers: dict[str, str] | None,
          path_parameters: dict[str, str] | None = None, skip: tuple[str, ...] = ()) -> int:
    """Run every operation of the schema through hypothesis; returns how many operations ran."""
    from schemathesis import GenerationMode

    ran = 0
    failures: list[str] = []
    for result in api_schema.get_all_operations():
        operation = result.ok()
        if operation.label in skip:
            continue
        wanted = {name: value for name, value in (path_parameters or {}).items()
                  if name in {p.name for p in operation.path_parameters}}
        strategy = operation.as_strategy(GenerationMode(mode), path_parameters=wanted or None)

        @FUZZ_SETTINGS
        @given(case=strategy)
        def run(case: Any) -> None:
            note(f"{operation.label} ({mode}, {'staff' if headers else 'public'})")
            response = case.call(base_url=server.url, headers=headers, timeout=10)
            _no_trace(response)
            assert response.status_code < 500, (
                f"{case.method} {case.formatted_path} -> {response.status_code}\n{response.text[:2000]}")
            assert response.status_code in ALLOWED_STATUS, (
                f"{case.method} {case.formatted_path} -> {response.status_code}\n{response.text[:2000]}")
            if response.status_code >= 400:
                error = response.json()["error"]  # the one error shape, whatever the document says
                assert isinstance(error["code"], str) and isinstance(error["message"], str), error
            case.validate_response(response, checks=CHECKS, headers=headers,
                                   transport_kwargs={"base_url": server.url, "headers": headers or {}})

        try:
            run()
        except Unsatisfiable:  # negative mode: nothing in this operation can be made invalid
            assert mode == "negative", operation.label
        except Exception as exc:  # keep going: one report for every operation that fails
            failures.append(f"{operation.label} ({mode}, {'staff' if headers else 'public'}): {exc}")
        ran += 1
    assert not failures, "\n\n".join(failures)
    return ran


@pytest.mark.parametrize("mode", ["positive", "negative"])
@pytest.mark.parametrize("who", ["public", "staff"])
def test_every_operation_with_generated_input(api_schema: Any, server: Server, mode: str, who: str) -> None:
    headers = {"Authorization": f"Bearer {server.token}"} if who == "staff" else None
    assert _fuzz(api_schema, server, mode=mode, headers=headers) >= 6


@pytest.mark.parametrize("who", ["public", "staff"])
def test_every_operation_on_a_real_open_draft(api_schema: Any, server: Server, who: str) -> None:
    """Path fixed to the published draft so the bodies reach validation and the database."""
    headers = {"Authorization": f"Bearer {server.token}"} if who == "staff" else None
    _fuzz(api_schema, server, mode="positive", headers=headers, path_parameters={"slug": "dog-rules"},
          skip=("POST /api/v1/drafts/{slug}/close",))


def test_schema_covers_every_api_route(server: Server) -> None:
    document = httpx.get(f"{server.url}/schema/openapi.json", timeout=5).json()
    paths = set(document["paths"])
    for path in ("/api/v1/drafts", "/api/v1/drafts/{slug}", "/api/v1/drafts/{slug}/opinions",
                 "/api/v1/drafts/{slug}/publish", "/api/v1/drafts/{slug}/close", "/api/v1/receipts/{code}"):
        assert path in paths, sorted(paths)


def test_server_logged_no_stack_trace(server: Server) -> None:
    """Runs last: every 5xx is logged with its traceback, so a clean log means none happened."""
    text = server.log.read_text(errors="replace")
    assert "Traceback" not in text, f"the server logged a stack trace:\n{text[text.index('Traceback') - 400:][:6000]}"
