"""Browser tests: the real server in a subprocess, driven by Debian's Chromium through Playwright.

One server per session (``liaison.devtools.server.LiaisonServer``), on a fresh SQLite database
in a temporary directory (these tests check the pages; the database engines are covered by the
rest of the suite). Setup goes
through the real ``liaison`` command: migrate, import and publish the citizen's draft, create
the officer, create an office; the volunteer (who has a login) is added with
``liaison.network.service.create_volunteer``, as the office page would. The officer's draft
is only written to a file: the officer uploads it in the journey.

Chromium is /usr/bin/chromium (``apt-get install chromium``; ``bin/ensure-chromium`` does it
and ``make test`` calls that). If it is missing and cannot be installed, or the playwright
package is missing, every browser test is skipped with the reason.

Screenshots of each step go to ``test-artifacts/browser/<journey>/<nn>-<step>.png``; a failing
test also leaves ``failure.png``, and the server's log is ``test-artifacts/browser/server.log``.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from browser.support import (
    ARTIFACTS, CHROMIUM, CITIZEN_DRAFT, IMPORT_DRAFT, ROOT, Account, Site, citizen_draft_file, import_draft_file,
)
from liaison.devtools.server import LiaisonServer

CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


#: Expectations wait at most this long (ms); the server answers in a few ms.
TIMEOUT_MS = 10_000


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives the real server with headless Chromium (tests/browser)")


# ---------------------------------------------------------------- the server


_VOLUNTEER_SNIPPET = """
import asyncio, os, sys
from liaison import db
from liaison.accounts.roles import Role
from liaison.accounts.services import CurrentUser
from liaison.network.service import create_volunteer, find_office

async def main(office, name, username, password):
    await db.connect(os.environ["DATABASE_URL"])
    try:
        officer = CurrentUser(id=0, username="browser-setup", display_name="", role=Role.OFFICER, via="cli")
        await create_volunteer(name=name, role_name="信息员", office_id=await find_office(office), phone="",
                               actor=officer, username=username, password=password)
    finally:
        await db.disconnect()

asyncio.run(main(*sys.argv[1:5]))
"""


@pytest.fixture(scope="package")
def site(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The real server (``liaison serve``) on a fresh SQLite database, with the journeys' data.

    (It asks for ``browser`` first so that, without Chromium, nothing is set up before the skip.)
    The analysis worker runs as the server's child: the officer's journey waits for its clusters.
    """
    work = tmp_path_factory.mktemp("browser-site")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    server = LiaisonServer(f"sqlite:///{work / 'liaison.sqlite3'}", work / "data", worker=True,
                           log_path=ARTIFACTS / "server.log")
    officer = Account("li-officer", "officer passphrase " + secrets.token_hex(4), "李干事")
    volunteer = Account("chen-volunteer", "volunteer passphrase " + secrets.token_hex(4), "陈阿姨")
    office = "东街基层立法联络室"

    drafts_dir = work / "published"
    drafts_dir.mkdir()
    (drafts_dir / f"{CITIZEN_DRAFT[0]}.md").write_text(citizen_draft_file(), encoding="utf-8")
    import_file = work / f"{IMPORT_DRAFT[0]}.md"
    import_file.write_text(import_draft_file(), encoding="utf-8")

    server.migrate()
    with server.spawn():  # it boots (about 2 s) while the set-up commands run; stopped at the end
        server.cli("drafts", "import", "--publish", str(drafts_dir))
        server.cli("users", "create", "--username", officer.username, "--role", "officer",
                   "--display-name", officer.name, stdin=officer.password + "\n")
        server.cli("offices", "create", "--name", office, "--area", "东街街道")
        server.python(_VOLUNTEER_SNIPPET, office, volunteer.name, volunteer.username, volunteer.password)
        server.wait_healthy()
        yield Site(url=server.url, officer=officer, volunteer=volunteer, office=office, citizen_draft=CITIZEN_DRAFT,
                   import_file=import_file, import_draft=IMPORT_DRAFT)


# ---------------------------------------------------------------- the browser


def _unavailable() -> str | None:
    """Why the browser tests cannot run here, or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[test]')"
    if not (CHROMIUM.exists() and os.access(CHROMIUM, os.X_OK)):
        script = ROOT / "bin" / "ensure-chromium"
        why = ""
        if script.exists():  # try to install it now (root + apt-get), or learn why not
            done = subprocess.run(["bash", str(script)], capture_output=True, text=True, timeout=900)
            why = " ".join((done.stdout + done.stderr).split())
        if not CHROMIUM.exists():
            return f"Chromium is not installed at {CHROMIUM} and could not be installed: {why or 'see bin/ensure-chromium'}"
    return None


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    """Chromium through Playwright's sync API, for this package only: the sync API keeps an event loop
    running in the main thread while it is open, and a test after it that starts its own loop
    (``asyncio.run``, pytest-asyncio's runner) failed with "cannot be called from a running event loop"
    when the browser stayed open for the whole session."""
    reason = _unavailable()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


class Journey:
    """A browser context for one journey, and its numbered screenshots."""

    def __init__(self, browser: Any, name: str, device: dict[str, Any]) -> None:
        self.name = name
        self.dir = ARTIFACTS / name
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir.mkdir(parents=True)
        self.context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **device)
        self.context.set_default_timeout(TIMEOUT_MS)
        self.page = self.context.new_page()
        self.steps = 0

    def shot(self, step: str, *, full_page: bool = False, element: Any = None, upto: Any = None) -> Path:
        """Photograph the page, or only ``element`` (a locator) — down to the bottom of ``upto`` if given:
        small images for the guide."""
        self.steps += 1
        path = self.dir / f"{self.steps:02d}-{step}.png"
        if element is not None and upto is not None:
            box, end = element.bounding_box(), upto.bounding_box()  # relative to the viewport
            left, top = self.page.evaluate("[window.scrollX, window.scrollY]")
            self.page.screenshot(path=str(path), full_page=True, clip={
                "x": box["x"] + left, "y": box["y"] + top, "width": box["width"],
                "height": end["y"] + end["height"] - box["y"]})
        elif element is not None:
            element.screenshot(path=str(path))
        else:
            self.page.screenshot(path=str(path), full_page=full_page)
        return path


_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call":
        item.stash[_FAILED] = report.failed
    return report




@pytest.fixture
def journey(browser: Any, request: pytest.FixtureRequest) -> Iterator[Callable[[str, dict[str, Any]], Journey]]:
    """``journey(name, PHONE or DESKTOP)`` opens a fresh context; a failure leaves failure.png."""
    opened: list[Journey] = []

    def open_journey(name: str, device: dict[str, Any]) -> Journey:
        opened.append(Journey(browser, name, device))
        return opened[-1]

    yield open_journey
    for j in opened:
        if request.node.stash.get(_FAILED, False):
            try:
                j.page.screenshot(path=str(j.dir / "failure.png"), full_page=True)
            except Exception:  # noqa: BLE001 - a screenshot must not hide the real failure
                pass
        j.context.close()
