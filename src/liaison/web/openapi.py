"""The refusals each API operation can answer, described once for the OpenAPI document.

Every refusal has one body (``liaison.web.errors``): ``{"error": {"code", "message", "field"?, ...}}``.
litestar's generated document knows only the success code and a 400 in its own
``{status_code, detail, extra}`` shape, so each operation declares its refusals with
``**refusals(401, 404, ...)``: the statuses it can answer, all with :class:`ErrorBody`, a
``Retry-After`` header on 429, and litestar's own 400 dropped unless 400 is declared. Clients and
schemathesis (``tests/fuzz``) can then rely on the document for every status, not only successes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypedDict

import msgspec
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import OpenAPIHeader, OpenAPIResponse, OpenAPIType, Operation, Schema

__all__ = ["REFUSAL_DESCRIPTIONS", "DocumentedRefusals", "ErrorBody", "ErrorDetail", "Refusals", "error_responses",
           "refusals"]


class ErrorDetail(msgspec.Struct, omit_defaults=True):
    """What went wrong, in words a person can act on; other keys may follow (``extra`` of the error)."""

    code: str
    message: str
    field: str | None = None
    # keys some refusals add (liaison.core.errors ``extra``): the comment window of a draft (409),
    # the stored packet of a reused Idempotency-Key (409), the line of a draft format error (422),
    # how many import rows failed (422), the seconds to wait (429)
    phase: str | None = None
    comment_opens: str | None = None
    comment_closes: str | None = None
    id: int | None = None
    line: int | None = None
    problems: int | None = None
    retry_after: int | None = None


class ErrorBody(msgspec.Struct):
    """The one shape of every refused API request."""

    error: ErrorDetail


#: What each status means across the API; an operation's own description says when it happens.
REFUSAL_DESCRIPTIONS: dict[int, str] = {
    400: "The request could not be read (malformed JSON, a bad Content-Length)",
    401: "No valid credentials: a missing or unknown bearer token, or a bad station signature",
    403: "The caller's role or office may not do this (`error.field` names what was refused)",
    404: "Nothing with this slug, code or version (`error.field` names which)",
    409: "The draft's state does not allow this (e.g. the comment window is not open: "
         "`error.phase`, `error.comment_opens`, `error.comment_closes`)",
    413: "The request body is larger than this operation accepts",
    422: "The input is invalid: `error.field` names the field and `error.message` the fix",
    429: "Too many requests from this client; retry after `Retry-After` seconds (also `error.retry_after`)",
}

_RETRY_AFTER = OpenAPIHeader(
    description="Seconds to wait before trying again",
    schema=Schema(type=OpenAPIType.INTEGER, minimum=1),
)


def error_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """``responses=`` for a route decorator: each status answered with :class:`ErrorBody`."""
    unknown = set(statuses) - REFUSAL_DESCRIPTIONS.keys()
    if unknown:
        raise ValueError(f"no description for status {sorted(unknown)}; add it to REFUSAL_DESCRIPTIONS")
    return {
        status: ResponseSpec(data_container=ErrorBody, description=REFUSAL_DESCRIPTIONS[status],
                             generate_examples=False)
        for status in sorted(statuses)
    }


def _is_litestar_error(response: object) -> bool:
    """litestar's generated refusal schema (``{status_code, detail, extra}``), which the app never answers."""
    if not isinstance(response, OpenAPIResponse) or not response.content:
        return False
    for media in response.content.values():
        schema = media.schema
        if isinstance(schema, Schema) and schema.properties and {"status_code", "detail"} <= schema.properties.keys():
            return True
    return False


@dataclass
class DocumentedRefusals(Operation):
    """An operation whose refusals are exactly the declared ones: drops litestar's own 400, adds ``Retry-After``."""

    def __post_init__(self) -> None:
        if not self.responses:
            return
        for status, response in list(self.responses.items()):
            if _is_litestar_error(response):
                del self.responses[status]
        too_many = self.responses.get("429")
        if isinstance(too_many, OpenAPIResponse):
            too_many.headers = {**(too_many.headers or {}), "Retry-After": _RETRY_AFTER}


class Refusals(TypedDict):
    responses: dict[int, ResponseSpec]
    operation_class: type[Operation]


def refusals(*statuses: int, other: dict[int, ResponseSpec] | None = None) -> Refusals:
    """Route decorator arguments documenting exactly the refusals ``statuses``: ``@get(..., **refusals(404))``.

    ``other`` documents further answers that are not refusals (a second success code, a 503).
    """
    responses = error_responses(*statuses)
    overlap = responses.keys() & (other or {}).keys()
    if overlap:
        raise ValueError(f"status {sorted(overlap)} given both as a refusal and in other")
    return Refusals(responses={**responses, **(other or {})}, operation_class=DocumentedRefusals)
