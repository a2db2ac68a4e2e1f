"""htmx as an enhancement: one route answers a full page to a plain form post and a fragment to htmx.

Pages never depend on it. A form marked ``hx-post`` still has ``method="post"`` and an ``action``,
so without JavaScript the browser posts it and gets the usual redirect (post/redirect/get);
with htmx loaded the same post arrives with ``HX-Request: true`` and the route answers only
the part of the page that changed. CSRF is unchanged: the form's ``_csrf_token`` field is sent
either way. Responses that differ by this header say so in ``Vary``.
"""

from __future__ import annotations

from litestar.connection import ASGIConnection

__all__ = ["ERROR_SWAP_HEADERS", "VARY", "is_htmx"]

#: Added to every response whose body depends on the HX-Request header.
VARY = {"Vary": "HX-Request"}

#: An error page answering an htmx request replaces the page's <main> (not the small fragment target).
ERROR_SWAP_HEADERS = {"HX-Retarget": "#main", "HX-Reswap": "outerHTML", "HX-Reselect": "#main"}


def is_htmx(connection: ASGIConnection) -> bool:
    """True for requests htmx made (not for history restores, which want the full page)."""
    headers = connection.headers
    return headers.get("hx-request") == "true" and headers.get("hx-history-restore-request") != "true"
