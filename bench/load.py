"""Mixed load: citizens, volunteers, office staff importing and officers browsing, all at once.

Run:
  .venv/bin/python bench/load.py                              # 60 s on SQLite in a temp dir
  createdb -h 127.0.0.1 -U postgres liaison_load
  .venv/bin/python bench/load.py --database-url postgresql://postgres@127.0.0.1/liaison_load
  options: --seconds 60 --max-requests 200000 --citizens 16 --volunteers 6 --importers 2 --staff 4
           --import-rows 50 --no-worker --workers 1 --seed 1

It starts the real `liaison serve` (``liaison.devtools.server.LiaisonServer``) on a free
loopback port, on a fresh draft (slug ``load-<run>``) with its own accounts, so it can run
again on the same database. Then, for --seconds (and at most --max-requests requests):

- citizens post opinions through ``POST /api/v1/drafts/{slug}/opinions`` and through the
  public HTML form (CSRF cookie and field), every text unique, some with contact details
  (consented), keeping the receipt of every acknowledgement (201, or 303 to the receipt page);
- volunteers log in and enter opinions at their office's activity, through the entry page
  (``POST /staff/entry``) and through the API with their bearer token;
- importers (office staff: volunteers may not import) upload CSV files through the import
  pages (check, then confirm); every fourth file is checked in two tabs and confirmed twice,
  and every fourth upload after that is the previous file again: neither may add anything;
- staff (officers) browse the workbench, the draft's management page, the screening queue,
  cluster review, the dashboard and the public draft page.

It prints requests, throughput, p50/p99 and the status codes per kind of user. Then it stops
the server and reads the database directly: every acknowledged opinion must be there exactly
once (by receipt where one was given, by its unique marker in the text otherwise), imported
rows exactly as many as the confirmations said, contact details exactly for the opinions sent
with them, and nothing stored that was not acknowledged (unless its request failed in
transit). Exit status 1 on any lost, duplicated or unexplained row, any 5xx, any transport
error or any other unexpected status; 0 otherwise.

Loopback only: the server listens on 127.0.0.1, and a --database-url on another host is refused.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import secrets
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from liaison.devtools.server import LiaisonServer, is_loopback_url

#: The statistics of what users do before the clock starts (log in, open the form).
SIGN_IN = "sign-in"
#: Every opinion text carries ``LT<run>-<kind letter><user>-<n>`` so that the database check can find it.
MARKER_RE = re.compile(r"LT[0-9a-f]{6}-[a-z]\d+-\d+(?:-\d+)?")
ARTICLES = 12
CLIENT_TIMEOUT = 60.0
PASSWORD = "load passphrase " + secrets.token_hex(6)
TOPICS = ("牵引绳长度", "犬只登记费用", "免疫证明", "禁养区范围", "犬吠扰民", "流浪犬收容", "电梯内携犬",
          "大型犬认定", "罚款数额", "养犬人责任")
SETUP_SCRIPT = """
import asyncio, json, sys
from liaison import db
from liaison.config import load_settings
from liaison.accounts.roles import Role
from liaison.accounts.services import CurrentUser, create_token, create_user
from liaison.network.service import OfficeInput, assign_office, create_office, create_volunteer
from liaison.opinions.activities import ActivityInput, create_activity

async def main(plan):
    settings = load_settings()
    await db.connect(settings.database_url)
    try:
        setup = f"load-{plan['run']}-setup"
        officer = CurrentUser(id=await create_user(setup, plan["password"], Role.OFFICER), username=setup,
                              display_name="", role=Role.OFFICER, via="cli")
        out = {"offices": [], "volunteers": [], "importers": [], "staff": []}
        for o in range(plan["offices"]):
            office = await create_office(OfficeInput(name=f"负载测试联络室 {plan['run']}-{o}"), officer)
            activity = await create_activity(ActivityInput(
                draft_slug=plan["slug"], office=office, kind="symposium", held_on="2026-11-01",
                title=f"负载测试座谈会 {o}"), officer, data_dir=settings.data_dir)
            out["offices"].append({"office": office, "activity": activity})
        for i in range(plan["volunteers"]):
            o = out["offices"][i % len(out["offices"])]
            username = f"load-{plan['run']}-v{i}"
            volunteer = await create_volunteer(name=f"信息员{i}", role_name="信息员", office_id=o["office"], phone="",
                                               actor=officer, username=username, password=plan["password"])
            token = await create_token(username)
            out["volunteers"].append({"username": username, "volunteer": volunteer, "token": token, **o})
        for i in range(plan["importers"]):
            o = out["offices"][i % len(out["offices"])]
            username = f"load-{plan['run']}-i{i}"
            await create_user(username, plan["password"], Role.OFFICE_STAFF)
            await assign_office(username, o["office"], setup)
            out["importers"].append({"username": username, **o})
        for i in range(plan["staff"]):
            username = f"load-{plan['run']}-s{i}"
            await create_user(username, plan["password"], Role.OFFICER)
            out["staff"].append({"username": username})
        print(json.dumps(out))
    finally:
        await db.disconnect()

asyncio.run(main(json.loads(sys.argv[1])))
"""


def load_draft(slug: str) -> str:
    """A draft with ARTICLES articles, open for comment from 2020 to 2099."""
    articles = "\n\n".join(f"第{n}条　养犬人应当遵守第{n}项规定，具体办法由市人民政府制定。" for n in range(1, ARTICLES + 1))
    return f"""---
title: 某市养犬管理条例（负载测试稿）
slug: {slug}
issuer: 某市人大常委会法制工作委员会
kind: 法规
round: 征求意见稿
comment_opens: 2020-01-01
comment_closes: 2099-12-31
summary: 负载测试用草案。
---

# 某市养犬管理条例（负载测试稿）

{articles}
"""


# ---------------------------------------------------------------- what happened


@dataclass
class Stats:
    """Latencies and status codes of one kind of user."""

    latencies: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    by_action: dict[str, list[float]] = field(default_factory=dict)


@dataclass
class Ledger:
    """Every request and every acknowledgement, to compare with the database afterwards."""

    run: str
    seconds: float
    max_requests: int
    users: int
    #: CPU seconds used so far, by process ("server", "analysis worker", "driver")
    probe: Callable[[], Counter[str]] = field(default=lambda: Counter())
    cpu_at_start: Counter[str] = field(default_factory=Counter)
    #: set once every user has signed in; the clock starts then
    go: asyncio.Event = field(default_factory=asyncio.Event)
    ready: int = 0
    started: float = 0.0
    deadline: float = 0.0
    sent: int = 0
    stats: dict[str, Stats] = field(default_factory=dict)
    #: marker -> receipt (None when the answer names no receipt: entry page, imports)
    acknowledged: dict[str, str | None] = field(default_factory=dict)
    #: markers of opinions whose request failed in transit (they may or may not be stored)
    unknown: set[str] = field(default_factory=set)
    with_contact: set[str] = field(default_factory=set)
    imported_added: int = 0
    #: uploads of a file already imported, and second confirmations: each must add nothing
    repeats: int = 0
    import_errors: list[str] = field(default_factory=list)
    server_errors: int = 0
    transport_errors: int = 0
    unexpected: list[str] = field(default_factory=list)

    async def arrive(self) -> None:
        """Wait until every user has signed in (or given up), so sign-in is not part of the measured load."""
        self.ready += 1
        if self.ready == self.users:
            self.cpu_at_start = self.probe()
            self.started = time.monotonic()
            self.deadline = self.started + self.seconds
            self.go.set()
        await self.go.wait()

    def may_start(self) -> bool:
        """New actions start only before the deadline and under the request cap; started ones finish."""
        return time.monotonic() < self.deadline and self.sent < self.max_requests

    async def request(self, kind: str, action: str, client: httpx.AsyncClient, method: str, url: str,
                      expect: int, markers: tuple[str, ...] = (), **kwargs: object) -> httpx.Response | None:
        """One timed request; None (and the markers noted as unknown) if it failed or answered otherwise."""
        stats = self.stats.setdefault(kind, Stats())
        if kind != SIGN_IN:
            self.sent += 1
        start = time.perf_counter()
        try:
            response = await client.request(method, url, **kwargs)  # type: ignore[arg-type]
        except httpx.HTTPError as exc:
            stats.statuses[type(exc).__name__] += 1
            self.transport_errors += 1
            self.unknown.update(markers)
            self._note(f"{kind}/{action} {method} {url}: {type(exc).__name__} {exc}")
            return None
        elapsed = time.perf_counter() - start
        stats.latencies.append(elapsed)
        stats.by_action.setdefault(action, []).append(elapsed)
        stats.statuses[str(response.status_code)] += 1
        if response.status_code >= 500:
            self.server_errors += 1
        if response.status_code != expect:
            if response.status_code >= 500:
                self.unknown.update(markers)
            self._note(f"{kind}/{action} {method} {url}: {response.status_code} (expected {expect}) "
                       f"{' '.join(response.text[:300].split())}")
            return None
        return response

    def _note(self, line: str) -> None:
        self.unexpected.append(line)

    def ack(self, marker: str, receipt: str | None) -> None:
        if marker in self.acknowledged:
            self.unexpected.append(f"marker {marker} acknowledged twice")
        self.acknowledged[marker] = receipt


def cpu_seconds(server_pid: int | None) -> Counter[str]:
    """CPU seconds used so far by the server's processes (Linux /proc) and by this driver.

    On a shared machine the throughput alone says little; this says whether the server had a
    core to itself. Processes that exited in between are not counted.
    """
    used: Counter[str] = Counter()
    times = os.times()
    used["driver"] = times.user + times.system
    if server_pid is None:
        return used
    tick = os.sysconf("SC_CLK_TCK")
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) != server_pid:  # process group: the server's session
                continue
            command = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, IndexError, ValueError):
            continue
        name = "analysis worker" if " worker" in command else "server"
        used[name] += (int(fields[11]) + int(fields[12])) / tick
    return used


def opinion_text(marker: str, rng: random.Random) -> str:
    topic = rng.choice(TOPICS)
    length = rng.choice((1, 2, 3))
    return (f"关于{topic}的意见（{marker}）：" + f"建议把{topic}的规定写得更具体，便于执行和监督。" * length)


def user_client(base: str, headers: dict[str, str] | None = None) -> httpx.AsyncClient:
    """One person's browser: own cookies, own connections.

    Idle connections are dropped after 2 s, before uvicorn closes them (5 s): reusing one the
    server is closing at that moment fails in transit (a POST is not retried), which would be the
    driver's fault, not the server's.
    """
    return httpx.AsyncClient(base_url=base, timeout=CLIENT_TIMEOUT, headers=headers,
                             limits=httpx.Limits(keepalive_expiry=2.0))


def csrf_of(client: httpx.AsyncClient) -> str:
    return client.cookies.get("liaison_csrf") or ""


# ---------------------------------------------------------------- the users


async def citizen(ledger: Ledger, base: str, slug: str, n: int, rng: random.Random) -> None:
    """Alternate between the JSON API and the public form; a fifth leave contact details."""
    async with user_client(base) as client:
        ok = await ledger.request(SIGN_IN, "comment page", client, "GET", f"/drafts/{slug}/comment", 200)
        await ledger.arrive()
        if not ok:
            return
        i = 0
        while ledger.may_start():
            i += 1
            via_form = i % 2 == 0
            marker = f"LT{ledger.run}-{'f' if via_form else 'a'}{n}-{i}"
            text = opinion_text(marker, rng)
            article = rng.choice([None, *range(1, ARTICLES + 1)])
            contact = i % 5 == 0
            if via_form:
                form = {"text": text, "article": str(article or ""), "suggestion": "", "reason": "",
                        "_csrf_token": csrf_of(client)}
                if contact:
                    form.update({"name": f"市民{n}", "phone": "13800138000", "region": "东街街道", "consent": "1"})
                response = await ledger.request("citizens", "form post", client, "POST", f"/drafts/{slug}/comment", 303,
                                                (marker,), data=form)
                if response is None:
                    continue
                location = response.headers.get("location", "")
                match = re.fullmatch(r"/receipts/([A-Z0-9]+)\?new=1", location)
                if not match:
                    ledger.unexpected.append(f"citizens/form post: redirect to {location!r}, not a new receipt")
                    continue
                receipt = match.group(1)
            else:
                body: dict[str, object] = {"text": text, "article": article}
                if contact:
                    body["contributor"] = {"name": f"市民{n}", "phone": "13800138000", "region": "东街街道",
                                           "consent": True}
                response = await ledger.request("citizens", "api post", client, "POST",
                                                f"/api/v1/drafts/{slug}/opinions", 201, (marker,), json=body)
                if response is None:
                    continue
                receipt = response.json()["receipt"]
            ledger.ack(marker, receipt)
            if contact:
                ledger.with_contact.add(marker)


async def login(ledger: Ledger, client: httpx.AsyncClient, username: str) -> bool:
    """Log in through the real form, then wait for the others; False if the login failed."""
    ok = await ledger.request(SIGN_IN, "login page", client, "GET", "/login", 200) is not None
    if ok:
        form = {"username": username, "password": PASSWORD, "next": "/staff", "_csrf_token": csrf_of(client)}
        ok = await ledger.request(SIGN_IN, "login", client, "POST", "/login", 303, data=form) is not None
    await ledger.arrive()
    return ok


async def volunteer(ledger: Ledger, base: str, slug: str, n: int, me: dict, rng: random.Random) -> None:
    """Log in, then enter opinions at the office's activity: the entry page and the API in turn."""
    headers = {"Authorization": f"Bearer {me['token']}"}
    async with user_client(base) as pages, \
            user_client(base, headers=headers) as api:
        if not await login(ledger, pages, me["username"]):
            return
        activity = str(me["activity"])
        i = 0
        while ledger.may_start():
            i += 1
            if i % 10 == 1:
                await ledger.request("volunteers", "entry page", pages, "GET", f"/staff/entry?activity={activity}", 200)
            via_page = i % 2 == 0
            marker = f"LT{ledger.run}-{'e' if via_page else 't'}{n}-{i}"
            text = opinion_text(marker, rng)
            article = rng.choice([None, *range(1, ARTICLES + 1)])
            if via_page:
                form = {"activity": activity, "article": "" if article is None else f"第{article}条", "text": text,
                        "suggestion": "", "reason": "", "_csrf_token": csrf_of(pages)}
                response = await ledger.request("volunteers", "entry post", pages, "POST", "/staff/entry", 303,
                                                (marker,), data=form)
                if response is not None:
                    ledger.ack(marker, None)
            else:
                body = {"text": text, "article": article, "activity": me["activity"], "channel": "symposium"}
                response = await ledger.request("volunteers", "api post", api, "POST",
                                                f"/api/v1/drafts/{slug}/opinions", 201, (marker,), json=body)
                if response is not None:
                    ledger.ack(marker, response.json()["receipt"])


IMPORT_DONE_RE = re.compile(r"已导入 (\d+) 条，(\d+) 条此前已导入")
REPORT_RE = re.compile(r"<dt>可以导入</dt><dd>(\d+) 条新意见</dd>\s*<dt>此前已导入</dt><dd>(\d+) 条")
TOKEN_RE = re.compile(r'name="token" value="([^"]+)"')


class Importer:
    """Office staff at the import pages: upload a CSV (the check), then confirm it.

    Every fourth file is confirmed twice (checked in two tabs, both confirmed: the second must
    add nothing), and every fourth upload after that is the previous file again (the check must
    find every row already imported and offer nothing to confirm).
    """

    def __init__(self, ledger: Ledger, client: httpx.AsyncClient, slug: str, n: int, me: dict, rows: int,
                 rng: random.Random) -> None:
        self.ledger, self.client, self.slug, self.n, self.me, self.rows, self.rng = ledger, client, slug, n, me, rows, rng

    def file(self, i: int) -> tuple[bytes, list[str]]:
        markers = [f"LT{self.ledger.run}-i{self.n}-{i}-{r}" for r in range(self.rows)]
        articles = ["", *map(str, range(1, ARTICLES + 1))]
        lines = ["条文,意见内容,征询活动编号"] + [
            f"{self.rng.choice(articles)},{opinion_text(m, self.rng)},{self.me['activity']}" for m in markers]
        return ("\n".join(lines) + "\n").encode("utf-8"), markers

    async def check(self, i: int, content: bytes) -> tuple[int, int, str | None] | None:
        """Upload; returns (new rows, already imported, confirmation token or None)."""
        csrf = csrf_of(self.client)
        page = await self.ledger.request(
            "importers", "upload (check)", self.client, "POST", f"/staff/drafts/{self.slug}/import", 200,
            files={"file": (f"load-{self.n}-{i}.csv", content, "text/csv")}, data={"_csrf_token": csrf},
            headers={"x-csrftoken": csrf})
        if page is None:
            return None
        counts, token = REPORT_RE.search(page.text), TOKEN_RE.search(page.text)
        if counts is None:
            self.ledger.unexpected.append(f"importers/upload: no counts on the report page (file {i})")
            return None
        return int(counts.group(1)), int(counts.group(2)), token.group(1) if token else None

    async def confirm(self, i: int, token: str, markers: list[str]) -> tuple[int, int] | None:
        """Confirm a checked file; returns (added, already imported) from the result page."""
        done = await self.ledger.request(
            "importers", "confirm", self.client, "POST", f"/staff/drafts/{self.slug}/import/confirm", 200,
            tuple(markers), data={"token": token, "_csrf_token": csrf_of(self.client)})
        if done is None:
            return None
        counts = IMPORT_DONE_RE.search(done.text)
        if counts is None:
            self.ledger.unexpected.append(f"importers/confirm: no counts on the result page (file {i})")
            return None
        return int(counts.group(1)), int(counts.group(2))

    def expect(self, what: str, got: tuple[int, ...], wanted: tuple[int, ...]) -> bool:
        if got != wanted:
            self.ledger.import_errors.append(f"{what}: got {got}, expected {wanted}")
        return got == wanted

    async def run(self) -> None:
        previous: tuple[bytes, list[str]] | None = None
        i = 0
        while self.ledger.may_start():
            i += 1
            await self.ledger.request("importers", "import page", self.client, "GET",
                                      f"/staff/drafts/{self.slug}/import", 200)
            if previous is not None and i % 4 == 0:  # the same file again: nothing new to import
                checked = await self.check(i, previous[0])
                if checked is not None:
                    self.ledger.repeats += 1
                    self.expect("file uploaded again", (*checked[:2], checked[2] is None), (0, len(previous[1]), True))
                continue
            content, markers = self.file(i)
            tabs = 2 if i % 4 == 2 else 1
            checks = [await self.check(i, content) for _ in range(tabs)]
            if any(c is None or c[2] is None for c in checks):
                continue
            for tab, (_, _, token) in enumerate(checks):  # type: ignore[misc]
                done = await self.confirm(i, token, markers)
                if done is None:
                    break
                if tab == 0 and self.expect("new file", done, (len(markers), 0)):
                    self.ledger.imported_added += done[0]
                    for marker in markers:
                        self.ledger.ack(marker, None)
                    previous = (content, markers)
                if tab == 1:
                    self.ledger.repeats += 1
                    self.expect("file confirmed a second time", done, (0, len(markers)))


async def importer(ledger: Ledger, base: str, slug: str, n: int, me: dict, rows: int, rng: random.Random) -> None:
    async with user_client(base) as client:
        if await login(ledger, client, me["username"]):
            await Importer(ledger, client, slug, n, me, rows, rng).run()


async def staff(ledger: Ledger, base: str, slug: str, n: int, me: dict) -> None:
    """An officer reading: workbench, draft page, screening queue, cluster review, dashboard, public page."""
    pages = ["/staff", f"/staff/drafts/{slug}", f"/staff/drafts/{slug}/screening", f"/staff/drafts/{slug}/clusters",
             f"/staff/drafts/{slug}/dashboard", f"/drafts/{slug}", f"/staff/drafts/{slug}/screening?status=kept"]
    async with user_client(base) as client:
        if not await login(ledger, client, me["username"]):
            return
        i = n
        while ledger.may_start():
            path = pages[i % len(pages)]
            i += 1
            await ledger.request("staff", path.replace(slug, "{slug}").split("?")[0], client, "GET", path, 200)


# ---------------------------------------------------------------- checking the database


VERIFY_QUERY = """
import json
rows = await Opinion.select(Opinion.receipt, Opinion.text).where(Opinion.draft.slug == {slug!r}).run()
contacts = await Contributor.select(Contributor.opinion.receipt).where(Contributor.opinion.draft.slug == {slug!r}).run()
with open({out!r}, "w", encoding="utf-8") as fh:
    json.dump({{"rows": [[r["receipt"], r["text"]] for r in rows],
               "contacts": [c["opinion.receipt"] for c in contacts]}}, fh, ensure_ascii=False)
"""


@dataclass
class Verdict:
    stored: int
    lost: list[str]
    duplicated: list[str]
    wrong_receipt: list[str]
    unexplained: list[str]
    stored_unknown: int
    imported_rows: int
    contact_mismatch: int

    @property
    def ok(self) -> bool:
        return not (self.lost or self.duplicated or self.wrong_receipt or self.unexplained or self.contact_mismatch)


def verify(server: LiaisonServer, slug: str, ledger: Ledger) -> Verdict:
    """Compare the ledger with what the database holds for the run's draft."""
    out = server.data_dir / "verify.json"
    server.query(VERIFY_QUERY.format(slug=slug, out=str(out)))
    found = json.loads(out.read_text(encoding="utf-8"))
    by_marker: dict[str, list[str]] = {}
    unexplained: list[str] = []
    receipts = Counter(receipt for receipt, _ in found["rows"])
    for receipt, text in found["rows"]:
        markers = MARKER_RE.findall(text)
        if len(markers) != 1:
            unexplained.append(f"{receipt}: {text[:60]}")
            continue
        by_marker.setdefault(markers[0], []).append(receipt)
    lost = [m for m in ledger.acknowledged if m not in by_marker]
    duplicated = [m for m, got in by_marker.items() if len(got) > 1] + [r for r, c in receipts.items() if c > 1]
    wrong = [m for m, receipt in ledger.acknowledged.items()
             if receipt is not None and m in by_marker and by_marker[m] != [receipt]]
    stray = [m for m in by_marker if m not in ledger.acknowledged]
    in_doubt = [m for m in stray if m in ledger.unknown]  # their request failed in transit: stored or not is fine
    unexplained += [m for m in stray if m not in ledger.unknown]
    imported = sum(1 for m in by_marker if m.split("-")[1].startswith("i") and m in ledger.acknowledged)
    expected_contacts = {ledger.acknowledged[m] for m in ledger.with_contact}
    contacts = set(found["contacts"]) - {by_marker[m][0] for m in in_doubt}
    return Verdict(stored=len(found["rows"]), lost=lost, duplicated=duplicated, wrong_receipt=wrong,
                   unexplained=unexplained, stored_unknown=len(in_doubt), imported_rows=imported,
                   contact_mismatch=len(contacts ^ expected_contacts))


# ---------------------------------------------------------------- running it


def percentile(ordered: list[float], p: float) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] if ordered else 0.0


def print_report(ledger: Ledger, elapsed: float) -> None:
    print(f"\n{'kind':<11}{'requests':>9}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}  statuses")
    for kind in (SIGN_IN, "citizens", "volunteers", "importers", "staff"):
        stats = ledger.stats.get(kind)
        if stats is None:
            continue
        ordered = sorted(stats.latencies)
        total = sum(stats.statuses.values())
        if kind == SIGN_IN:
            print(f"{kind:<11}{total:>9}{'':>8}{statistics.median(ordered or [0]) * 1000:>9.1f}"
                  f"{percentile(ordered, 0.99) * 1000:>9.1f}  (before the clock starts)")
            continue
        codes = " ".join(f"{code}×{count}" for code, count in sorted(stats.statuses.items()))
        print(f"{kind:<11}{total:>9}{total / elapsed:>8.1f}{statistics.median(ordered or [0]) * 1000:>9.1f}"
              f"{percentile(ordered, 0.99) * 1000:>9.1f}  {codes}")
        for action, values in sorted(stats.by_action.items()):
            values.sort()
            print(f"  {action:<30}{len(values):>7}  p50 {statistics.median(values) * 1000:7.1f}  "
                  f"p99 {percentile(values, 0.99) * 1000:7.1f} ms")


async def drive(base: str, slug: str, run: str, people: dict, args: argparse.Namespace,
                probe: Callable[[], Counter[str]]) -> Ledger:
    users = args.citizens + len(people["volunteers"]) + len(people["importers"]) + len(people["staff"])
    ledger = Ledger(run=run, seconds=args.seconds, max_requests=args.max_requests, users=users, probe=probe)
    rng = random.Random(args.seed)
    tasks: list[Awaitable[None]] = []
    tasks += [citizen(ledger, base, slug, n, random.Random(rng.random())) for n in range(args.citizens)]
    tasks += [volunteer(ledger, base, slug, n, me, random.Random(rng.random()))
              for n, me in enumerate(people["volunteers"])]
    tasks += [importer(ledger, base, slug, n, me, args.import_rows, random.Random(rng.random()))
              for n, me in enumerate(people["importers"])]
    tasks += [staff(ledger, base, slug, n, me) for n, me in enumerate(people["staff"])]
    # sign-in and started actions finish after the deadline; none may take longer than the client timeout
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=args.seconds + 8 * CLIENT_TIMEOUT)
    return ledger


def check_target(database_url: str | None) -> None:
    """Load stays on this machine: refuse a database on another host."""
    if database_url and not database_url.startswith("sqlite:"):
        url = database_url.replace("postgresql+asyncpg://", "postgresql://")
        if not is_loopback_url(url.replace("postgresql://", "http://").replace("postgres://", "http://")):
            raise SystemExit(f"refusing {database_url!r}: bench/load.py runs against a loopback database only "
                             "(127.0.0.1, localhost or ::1)")


def count_up_to(upper: int) -> Callable[[str], int]:
    def parse(value: str) -> int:
        number = int(value)
        if not 0 <= number <= upper:
            raise argparse.ArgumentTypeError(f"must be between 0 and {upper}")
        return number
    return parse


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60, help="how long to start new actions (at most 600)")
    parser.add_argument("--max-requests", type=count_up_to(2_000_000), default=200_000,
                        help="stop starting new actions after this many requests")
    parser.add_argument("--database-url", default=None,
                        help="an existing loopback database (default: SQLite in a temp dir)")
    parser.add_argument("--citizens", type=count_up_to(500), default=16, help="concurrent citizens")
    parser.add_argument("--volunteers", type=count_up_to(200), default=6, help="concurrent volunteers (logged in)")
    parser.add_argument("--importers", type=count_up_to(50), default=2, help="concurrent office staff importing CSV")
    parser.add_argument("--staff", type=count_up_to(100), default=4, help="concurrent officers browsing")
    parser.add_argument("--import-rows", type=count_up_to(10_000), default=50, help="rows per imported file")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes (PostgreSQL only for > 1)")
    parser.add_argument("--no-worker", action="store_true", help="no analysis worker beside the server")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if not 0 < args.seconds <= 600:
        parser.error("--seconds must be between 0 and 600")
    if not args.citizens + args.volunteers + args.importers + args.staff:
        parser.error("give at least one user (--citizens, --volunteers, --importers or --staff)")
    check_target(args.database_url)

    run = secrets.token_hex(3)
    slug = f"load-{run}"
    with tempfile.TemporaryDirectory(prefix="liaison-load-") as tmp:
        work = Path(tmp)
        server = LiaisonServer(args.database_url or f"sqlite:///{work / 'liaison.sqlite3'}", work / "data",
                               worker=not args.no_worker, access_log=False, workers=args.workers,
                               env={"LIAISON_PUBLIC_POSTS_PER_10MIN": str(10**9),
                                    "LIAISON_LOGIN_ATTEMPTS_PER_15MIN": "1000"})
        draft = work / f"{slug}.md"
        draft.write_text(load_draft(slug), encoding="utf-8")
        server.migrate()
        with server.spawn():  # it boots (about 2 s) while the set-up below runs, before the clock starts
            server.cli("drafts", "import", "--publish", str(draft))
            plan = {"run": run, "slug": slug, "password": PASSWORD, "volunteers": args.volunteers,
                    "importers": args.importers, "staff": args.staff,
                    "offices": max(1, (args.volunteers + args.importers + 2) // 3)}
            people = json.loads(server.python(SETUP_SCRIPT, json.dumps(plan)).strip().splitlines()[-1])
            engine = "sqlite" if server.database_url.startswith("sqlite:") else "postgresql"
            print(f"engine {engine}, draft {slug}, {args.seconds:.0f} s, at most {args.max_requests} requests; "
                  f"citizens {args.citizens}, volunteers {args.volunteers}, importers {args.importers} "
                  f"({args.import_rows} rows a file), staff {args.staff}; analysis worker "
                  f"{'off' if args.no_worker else 'on'}, uvicorn workers {args.workers}")
            server.wait_healthy()
            pid = server.process.pid if server.process else None
            load_before = os.getloadavg()
            ledger = asyncio.run(drive(server.url, slug, run, people, args, lambda: cpu_seconds(pid)))
            elapsed = time.monotonic() - ledger.started
            cpu = cpu_seconds(pid)
            cpu.subtract(ledger.cpu_at_start)
            load_after = os.getloadavg()
        server_log = server.log_text()
        print_report(ledger, elapsed)
        verdict = verify(server, slug, ledger)

    acked = len(ledger.acknowledged)
    print(f"\nelapsed {elapsed:.1f} s; requests {ledger.sent} ({ledger.sent / elapsed:.1f}/s); "
          f"opinions acknowledged {acked} ({acked / elapsed:.1f}/s), of which imported {ledger.imported_added} "
          f"(repeated uploads and confirmations {ledger.repeats}, each adding nothing)")
    print(f"database: {verdict.stored} opinions on the draft; lost {len(verdict.lost)}, duplicated "
          f"{len(verdict.duplicated)}, wrong receipt {len(verdict.wrong_receipt)}, stored but unacknowledged "
          f"{len(verdict.unexplained)} (+{verdict.stored_unknown} whose request failed in transit), imported rows "
          f"{verdict.imported_rows} of {ledger.imported_added} confirmed, contact details mismatched "
          f"{verdict.contact_mismatch}")
    print("CPU during the load (share of one core): " + ", ".join(
        f"{name} {seconds:.1f} s ({seconds / elapsed:.0%})" for name, seconds in sorted(cpu.items()))
        + f"; machine load average {load_before[0]:.1f} before, {load_after[0]:.1f} after ({os.cpu_count()} cores)")
    print(f"5xx {ledger.server_errors}, transport errors {ledger.transport_errors}, "
          f"unexpected answers {len(ledger.unexpected)}")
    problems = []
    if not verdict.ok:
        problems.append("the database does not match the acknowledgements")
        for name in ("lost", "duplicated", "wrong_receipt", "unexplained"):
            sample = getattr(verdict, name)[:5]
            if sample:
                print(f"  {name}: {sample}")
    if verdict.imported_rows != ledger.imported_added or ledger.import_errors:
        problems.append("imported rows not counted exactly")
        for line in ledger.import_errors[:5]:
            print(f"  {line}")
    if ledger.server_errors:
        problems.append(f"{ledger.server_errors} server errors (5xx)")
    if ledger.transport_errors:
        problems.append(f"{ledger.transport_errors} transport errors")
    if ledger.unexpected:
        problems.append(f"{len(ledger.unexpected)} unexpected answers")
        for line in ledger.unexpected[:10]:
            print(f"  {line}")
    if problems:
        if "Traceback" in server_log:
            print("server log (last traceback):\n" + server_log[server_log.rindex("Traceback") - 200:][:4000])
        print("FAILED: " + "; ".join(problems))
        return 1
    print("OK: every acknowledged opinion stored exactly once, no 5xx")
    return 0


if __name__ == "__main__":
    sys.exit(main())
