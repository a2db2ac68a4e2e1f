"""Benchmark: compile a feedback packet and export it (JSON, DOCX, XLSX) from a large draft.

Run:
  .venv/bin/python bench/packets.py                      # SQLite in a temp dir; 100,000 opinions
  .venv/bin/python bench/packets.py --database-url postgresql://postgres@127.0.0.1/liaison_bench
  .venv/bin/python bench/packets.py --opinions 5000 --clusters 200 --articles 60   # quick

Setup (not timed as part of the aim): a generated draft of --articles articles
(``bench/drafts_parse.py``) with key questions, --offices offices with their
activities, and --opinions opinions whose text comes from ``bench/analysis_data.py``
(campaign copies edited the way forwarded texts are, unique opinions, close
variants), about --contributors of them with a consenting contributor, a mix of
channels and statuses (some set aside), and --clusters clusters: the opinions
sharing a generated label form one cluster (what a perfect clusterer would find),
each pinned mostly to one article, some with a staff summary. Rows go in with the
driver's executemany in one transaction.

Measured in a fresh child process (so setup does not count towards memory): the
same calls ``liaison packets compile`` makes — ``compile_packet_with_rows`` (reads the
database, builds the packet, stores the version) and ``export`` for json, docx and
xlsx (the xlsx export takes the opinions compile has just read, for the 全部意见 sheet) —
each with its wall time, then the total and the child's peak RSS (ru_maxrss,
includes the interpreter and libraries). The JSON is validated against the schema
afterwards (not counted). Aim for 100,000 opinions / 2,000 clusters / 300 articles:
all four steps under 15 s together and under 1 GiB.

A PostgreSQL database given with --database-url must exist; its tables are emptied.
``--skip-setup`` measures again on the data already there (e.g. under py-spy).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

SLUG = "civil-code-bench"  # the slug drafts_parse.build() gives its draft
KEY_QUESTIONS = [
    "牵引绳长度应当规定为多少？",
    "是否应当禁止在楼道内为电动自行车充电？",
    "农村生活垃圾应当如何分类处理？",
    "违规养犬的罚款标准是否合适？",
    "充电设施建设费用应当由谁承担？",
]
CHANNELS = {"online": 55, "symposium": 12, "visit": 8, "questionnaire": 12, "hotline": 4, "letter": 6, "other": 3}
OCCUPATIONS = ["教师", "企业职工", "农民", "离退休人员", "学生", "个体工商户", "医务人员", "社区工作者", "律师", ""]
SUGGESTIONS = [
    "建议将本条修改为“应当”", "建议增加一款，明确具体标准", "建议删除本条中的“原则上”", "建议细化罚则，区分情节轻重",
    "建议明确主管部门及其职责", "建议增加过渡期规定", "建议将期限由三十日改为十五日",
]
REASONS = ["便于执法和群众遵守", "与上位法保持一致", "现行规定过于原则，难以操作", "兼顾各方利益", "避免重复监管"]


def _receipt(i: int) -> str:
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    out = []
    for _ in range(8):
        i, r = divmod(i, 32)
        out.append(alphabet[r])
    return "".join(out)


def _draft_text(articles: int) -> str:
    from drafts_parse import build

    text = build(articles)
    questions = "\n".join(f"  - {q}" for q in KEY_QUESTIONS)
    return text.replace("  - 基准测试用问题？", questions, 1)


async def _reset() -> None:
    from liaison import db

    for table in reversed(db.all_tables()):
        await table.delete(force=True).run()


async def setup(url: str, n: int, clusters: int, articles: int, offices: int, contributors: float,
                seed: int) -> dict[str, Any]:
    """Fill the database; returns what was made (counts) for the report."""
    from analysis_data import _PLACES, _name, _phone, generate

    from liaison import db
    from liaison.clusters.tables import Cluster, ClusterMember
    from liaison.drafts.service import import_draft, publish_draft
    from liaison.drafts.tables import Draft
    from liaison.network.tables import Office
    from liaison.opinions.activities import ACTIVITY_KINDS
    from liaison.opinions.tables import Activity, Contributor, Opinion
    from liaison.opinions.validation import text_fingerprint

    started = time.perf_counter()
    rng = random.Random(seed)
    # analysis_data makes about 26 + n·(1 − campaign) distinct labels: pick campaign to hit --clusters.
    campaign = min(0.995, max(0.0, 1 - (clusters - 26) / n))
    data = generate(n, seed=seed, campaign=campaign)
    labels = list(dict.fromkeys(data.labels))  # in order of first appearance
    generated = time.perf_counter() - started

    await db.connect(url)
    await db.migrate()
    await _reset()
    await import_draft(_draft_text(articles), source_name="bench.md", tz=ZoneInfo("Asia/Shanghai"),
                       max_bytes=10 << 20)
    await publish_draft(SLUG)
    draft_id = (await Draft.select(Draft.id).where(Draft.slug == SLUG).first().run())["id"]
    now = datetime.now(UTC)

    # Where each label's opinions point: mostly one article (8 % general comments), some strays.
    label_article = {lab: (None if rng.random() < 0.08 else rng.randint(1, articles)) for lab in labels}
    channel_names, channel_weights = list(CHANNELS), list(CHANNELS.values())
    kinds = list(ACTIVITY_KINDS)
    async with db.transaction():
        await db.bulk_insert(Office, ["name", "area", "address", "contact", "phone", "is_active", "created_at"], [
            (f"{_PLACES[i % len(_PLACES)]}联络室{i + 1}", "某区", "", "", "", True, now) for i in range(offices)])
        office_ids = [r["id"] for r in await Office.select(Office.id).order_by(Office.id).run()]
        activity_count = offices * 2
        await db.bulk_insert(Activity, ["draft", "office", "kind", "title", "held_on", "place", "attendees", "notes",
                                        "minutes_name", "minutes_path", "created_at"], [
            (draft_id, office_ids[i % offices], kinds[i % len(kinds)],
             f"{ACTIVITY_KINDS[kinds[i % len(kinds)]]}（第{i + 1}场）" if i % 5 else "",
             date(2026, 11, 1) + timedelta(days=i % 20), "社区会议室", 10 + i % 30, "", "", "", now)
            for i in range(activity_count)])
        activity_rows = await Activity.select(Activity.id, Activity.office, Activity.kind).order_by(Activity.id).run()

        opinion_rows = []
        people = []
        statuses: Counter[str] = Counter()
        for i, (text, label) in enumerate(zip(data.texts, data.labels, strict=True)):
            article = label_article[label] if rng.random() < 0.9 else rng.choice([None, rng.randint(1, articles)])
            channel = rng.choices(channel_names, channel_weights)[0]
            office = activity = None
            if channel != "online":
                act = rng.choice(activity_rows) if rng.random() < 0.5 else None
                office = act["office"] if act else rng.choice(office_ids)
                activity = act["id"] if act else None
            status = "set_aside" if rng.random() < 0.03 else ("kept" if rng.random() < 0.7 else "unscreened")
            statuses[status] += 1
            created = now - timedelta(minutes=rng.randint(5, 60 * 24 * 30))
            opinion_rows.append((
                draft_id, 1, article, _receipt(i), text[:5000],
                rng.choice(SUGGESTIONS) if rng.random() < 0.2 else "",
                rng.choice(REASONS) if rng.random() < 0.1 else "",
                channel, office, activity, status, "spam" if status == "set_aside" else "",
                text_fingerprint(text, article), f"bench-{i}", created, created,
            ))
            if rng.random() < contributors:
                people.append((i, _name(rng), _phone(rng) if rng.random() < 0.8 else "",
                               rng.choice(_PLACES) if rng.random() < 0.6 else "", rng.choice(OCCUPATIONS)))
        await db.bulk_insert(Opinion, ["draft", "version", "article", "receipt", "text", "suggestion", "reason",
                                       "channel", "office", "activity", "status", "set_aside_reason", "text_hash",
                                       "client_key", "created_at", "updated_at"], opinion_rows)
        ids = [r["id"] for r in await Opinion.select(Opinion.id).where(Opinion.draft == draft_id)
               .order_by(Opinion.id).run()]
        await db.bulk_insert(Contributor, ["opinion", "name", "phone", "region", "occupation", "consent_at",
                                           "notice_version"],
                             [(ids[i], name, phone, region, occ, now, "v1") for i, name, phone, region, occ in people])

        members_of: dict[str, list[int]] = {}
        for i, label in enumerate(data.labels):
            members_of.setdefault(label, []).append(i)
        cluster_rows = []
        for label in labels:
            members = members_of[label]
            rep = members[0]
            summary = ""
            if len(members) > 1 and rng.random() < 0.3:
                summary = re.split(r"[，。！,.!]", data.texts[rep].split("：")[-1].strip())[0][:60]
            cluster_rows.append((draft_id, ids[rep], label_article[label], summary, len(members),
                                 "officer" if summary else "", now, now))
        await db.bulk_insert(Cluster, ["draft", "representative", "article", "summary", "size", "reviewed_by",
                                       "created_at", "updated_at"], cluster_rows)
        cluster_ids = [r["id"] for r in await Cluster.select(Cluster.id).where(Cluster.draft == draft_id)
                       .order_by(Cluster.id).run()]
        await db.bulk_insert(ClusterMember, ["cluster", "opinion", "source", "decided_by", "decided_at"], [
            (cluster_id, ids[i], "machine", "", now)
            for cluster_id, label in zip(cluster_ids, labels, strict=True) for i in members_of[label]])
    await db.disconnect()
    return {
        "opinions": n, "clusters": len(labels), "articles": articles, "offices": offices,
        "activities": activity_count, "contributors": len(people), "statuses": dict(statuses),
        "largest_cluster": max(len(m) for m in members_of.values()),
        "generate_s": generated, "setup_s": time.perf_counter() - started,
    }


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


async def measure(url: str, out_dir: Path) -> dict[str, Any]:
    """In the child: what ``liaison packets compile`` does, step by step (wall and CPU seconds, peak RSS)."""
    from liaison import db
    from liaison.packets.compile import compile_packet_with_rows
    from liaison.packets.export_json import validate
    from liaison.packets.web import export

    await db.connect(url)
    steps: list[dict[str, Any]] = []
    sizes: dict[str, int] = {}

    def step(name: str, wall: float, cpu: float) -> None:
        steps.append({"name": name, "wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu,
                      "rss": _rss_mib()})

    try:
        baseline = _rss_mib()
        wall, cpu = time.perf_counter(), time.process_time()
        packet, rows = await compile_packet_with_rows(SLUG, None, personal_data="masked",
                                                      station_name="基准测试联络站")
        step("compile", wall, cpu)
        for ext in ("json", "docx", "xlsx"):
            wall, cpu = time.perf_counter(), time.process_time()
            body = await export(SLUG, packet, ext, rows)
            step(ext, wall, cpu)
            (out_dir / f"packet.{ext}").write_bytes(body)
            sizes[ext] = len(body)
        start = time.perf_counter()
        validate((out_dir / "packet.json").read_bytes())
        validated = time.perf_counter() - start
    finally:
        await db.disconnect()
    return {
        "version": packet.version, "points": len(packet.points()), "sections": len(packet.sections.articles),
        "baseline_mib": baseline, "steps": steps, "sizes": sizes, "validate_s": validated,
        "total_s": sum(s["wall"] for s in steps), "total_cpu_s": sum(s["cpu"] for s in steps),
        "peak_mib": _rss_mib(), "load": os.getloadavg()[0],
    }


def _child(url: str, out_dir: Path) -> dict[str, Any]:
    """Run :func:`measure` in a fresh interpreter and read its one-line JSON report."""
    done = subprocess.run(
        [sys.executable, __file__, "--child", "--database-url", url, "--out", str(out_dir)],
        capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"measuring failed (exit {done.returncode})")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _report(engine: str, made: dict[str, Any] | None, runs: list[dict[str, Any]], aim: bool) -> None:
    if made:
        st = made["statuses"]
        print(f"setup ({engine}): {made['opinions']:,} opinions ({st.get('kept', 0):,} kept, "
              f"{st.get('unscreened', 0):,} unscreened, {st.get('set_aside', 0):,} set aside), "
              f"{made['clusters']:,} clusters (largest {made['largest_cluster']:,}), {made['articles']} articles, "
              f"{made['offices']} offices, {made['activities']} activities, {made['contributors']:,} contributors; "
              f"texts generated in {made['generate_s']:.1f} s, setup {made['setup_s']:.1f} s")
    for n, r in enumerate(runs, 1):
        parts = [f"{s['name']} {s['wall']:.2f} s ({s['cpu']:.2f} CPU)" for s in r["steps"]]
        print(f"run {n} ({engine}, packet v{r['version']}, {r['points']:,} points in {r['sections']} article "
              f"sections, load average {r['load']:.1f}): " + " · ".join(parts)
              + f" · total {r['total_s']:.2f} s ({r['total_cpu_s']:.2f} CPU) · peak RSS {r['peak_mib']:.0f} MiB "
              f"(after imports {r['baseline_mib']:.0f} MiB; after each step "
              + ", ".join(f"{s['rss']:.0f}" for s in r["steps"]) + ")")
        print("      sizes: " + ", ".join(f"{ext} {size / 1024 / 1024:.1f} MiB" for ext, size in r["sizes"].items())
              + f"; JSON validated against the schema in {r['validate_s']:.2f} s (not counted)")
    if aim and runs:
        best = min(runs, key=lambda r: r["total_s"])
        ok = best["total_s"] < 15 and max(r["peak_mib"] for r in runs) < 1024
        print(f"aim: total < 15 s and peak < 1 GiB -> {'OK' if ok else 'NOT MET'} "
              f"(best total {best['total_s']:.2f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--opinions", type=int, default=100_000)
    parser.add_argument("--clusters", type=int, default=2_000)
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--offices", type=int, default=30)
    parser.add_argument("--contributors", type=float, default=0.4, help="share of opinions with a contributor")
    parser.add_argument("--runs", type=int, default=1, help="measurements (each a new packet version)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (default: SQLite in a temp dir)")
    parser.add_argument("--out", default=None, help="keep the exported files here")
    parser.add_argument("--skip-setup", action="store_true", help="measure on the data already in --database-url")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(asyncio.run(measure(args.database_url, Path(args.out)))))
        return
    if args.skip_setup and not args.database_url:
        parser.error("--skip-setup needs --database-url")
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"
        out_dir = Path(args.out) if args.out else Path(tmp)
        out_dir.mkdir(parents=True, exist_ok=True)
        made = None
        if not args.skip_setup:
            made = asyncio.run(setup(url, args.opinions, min(args.clusters, args.opinions), args.articles,
                                     args.offices, args.contributors, args.seed))
        runs = [_child(url, out_dir) for _ in range(args.runs)]
        full_size = args.opinions >= 100_000 and args.articles >= 300
        _report(url.split(":")[0], made, runs, aim=full_size)
        if args.out:
            print(f"files of the last run in {out_dir}")


if __name__ == "__main__":
    main()
