"""The pages this package touches: every form control labelled, landmarks present, tables scroll on phones."""

from __future__ import annotations

from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest
from conftest import csrf, login, published_draft, service_user

from liaison.drafts.tables import Draft
from liaison.network import service as network
from liaison.opinions.activities import ActivityInput, create_activity

pytestmark = pytest.mark.db


class _Audit(HTMLParser):
    """Collects form controls, the labels that name them, and landmark elements."""

    def __init__(self) -> None:
        super().__init__()
        self.label_for: set[str] = set()
        self.label_depth = 0
        self.controls: list[tuple[str, str | None, bool]] = []  # tag, id, inside a <label>
        self.landmarks: list[str] = []
        self.tables_outside_wrap = 0
        self.wrap_depth = 0
        self.div_stack: list[bool] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "label":
            self.label_depth += 1
            if a.get("for"):
                self.label_for.add(a["for"] or "")
        elif tag in ("input", "select", "textarea") and a.get("type") != "hidden":
            self.controls.append((tag, a.get("id"), self.label_depth > 0))
        elif tag in ("header", "nav", "main", "footer"):
            self.landmarks.append(tag)
        elif tag == "div":
            wraps = "table-wrap" in (a.get("class") or "")
            self.div_stack.append(wraps)
            self.wrap_depth += wraps
        elif tag == "table" and not self.wrap_depth:
            self.tables_outside_wrap += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self.label_depth -= 1
        elif tag == "div" and self.div_stack:
            self.wrap_depth -= self.div_stack.pop()


def audit(html: str, *, full_page: bool = True) -> _Audit:
    a = _Audit()
    a.feed(html)
    unlabelled = [(tag, id_) for tag, id_, wrapped in a.controls if not wrapped and (id_ is None or id_ not in a.label_for)]
    assert not unlabelled, f"controls without a label: {unlabelled}"
    if full_page:
        assert a.landmarks.count("main") == 1 and "header" in a.landmarks and "nav" in a.landmarks
    return a


async def test_workspace_entry_and_screening_pages_are_labelled(client: httpx.AsyncClient) -> None:
    await published_draft()
    boss = await service_user("boss_a11y", "officer")
    east = await network.create_office(network.OfficeInput(name="东街联络室"), boss)
    activity = await create_activity(ActivityInput("dog-rules", east, "visit", date.today().isoformat()), boss,
                                     data_dir=Path("/tmp"))
    assert await Draft.count().run() == 1
    await login(client, "staff_a11y", "office_staff")
    await network.assign_office("staff_a11y", east, "t")
    await client.post("/staff/entry", data={"activity": str(activity), "text": "一条意见", "_csrf_token": csrf(client)})
    pages = [f"/staff/offices/{east}/workspace", "/staff/mine", "/staff/entry", "/staff/drafts/dog-rules/screening"]
    for url in pages:
        response = await client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        a = audit(response.text)
        assert a.tables_outside_wrap == 0 or url.endswith(("entry", "screening")), url
        if url.endswith(("entry", "screening")):
            assert a.controls, url  # the forms are there and were checked
    fragment = await client.post("/staff/entry", headers={"HX-Request": "true"},
                                 data={"activity": str(activity), "text": "第二条", "_csrf_token": csrf(client)})
    assert audit(fragment.text, full_page=False).controls
    await login(client, "officer_a11y", "officer")
    listing = await client.get("/staff/workspace")
    assert audit(listing.text).tables_outside_wrap == 0
