"""The incremental index applies batch clustering's near-copy rule (issue 4: never merge two proposals)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from analysis_data import DRAFT_TEXTS, generate  # noqa: E402

from liaison.analysis.cluster import (  # noqa: E402
    _MEMBER_SHARED,
    NearDuplicateIndex,
    _features,
    _keys,
    _previous_in_bucket,
    cluster_texts,
)
from liaison.analysis.draftmask import DraftMask  # noqa: E402
from liaison.analysis.keytable import KeyTable  # noqa: E402
from liaison.analysis.minhash import EMPTY  # noqa: E402
from liaison.analysis.nearcopies import NEAR_BANDS, NearCopies  # noqa: E402
from liaison.analysis.normalize import normalize_many  # noqa: E402
from liaison.analysis.verify import conflict, proposal  # noqa: E402

# one of the five hard pairs the index merged at a million opinions (positions 80692, 173237 and
# 907800 of generate(1_000_000, seed=0)): A is a unique opinion; A2, another unique opinion made of
# the same remarks, has A's fingerprint and joins A's cluster without becoming a member; OPPOSED is
# A2 with "反对" put before it. A2 and OPPOSED make different proposals.
A = (
    "尊敬的人大代表：我们南门街道这边，外地来本市的犬只如何登记需要明确，烈性犬名录应当定期更新，"
    "年轻人和老人的看法不一样，中午在学校旁边有老人差点被绊倒，最近一个月在公交站附近孩子们玩耍很不安全。此致敬礼！"
)
A2 = (
    "尊敬的领导，您好！我家在南门街道，最近一个月在电梯里孩子们玩耍很不安全，周末在健身区有老人差点被绊倒，"
    "年轻人和老人的看法不一样，外地来本市的犬只如何登记需要明确，烈性犬名录应当定期更新。。望采纳！"
)
OPPOSED = (
    "尊敬的领导，您好！反对我家在南门街道，最近一个月在电梯里孩子们玩耍很不安全，周末在健身区有老人差点被绊倒，"
    "年轻人和老人的看法不一样，外地来本市的犬只如何登记需要明确，烈性犬名录应当定期更新！望采纳！"
)


def test_the_case_needs_the_near_copy_rule() -> None:
    """What made the index merge: the opposed copy passes the representative's test and no member
    stands in its way; only the strict test against A2 tells them apart."""
    a, a2, opposed = (proposal(t) for t in normalize_many([A, A2, OPPOSED], breaks=True))
    assert a.fingerprint() == a2.fingerprint() != opposed.fingerprint()
    assert not conflict(opposed, a)
    assert conflict(opposed, a2, _MEMBER_SHARED)


def test_opposed_copy_of_a_follower_stays_apart(tmp_path: Path) -> None:
    for draft in ((), DRAFT_TEXTS):
        assert cluster_texts([A, A2, OPPOSED], draft_texts=draft) == [0, 0, 2]
        ix = NearDuplicateIndex(draft)
        assert [ix.add(t) for t in (A, A2, OPPOSED)] == [0, 0, 2]
        # the follower A2 survives a restart
        ix = NearDuplicateIndex(draft)
        assert [ix.add(A), ix.add(A2)] == [0, 0]
        ix.save(tmp_path / "ix.npz")
        assert NearDuplicateIndex.load(tmp_path / "ix.npz").add(OPPOSED) == 2
    # the near-copy of the other fingerprint that arrives first keeps its own cluster as well
    ix = NearDuplicateIndex()
    assert [ix.add(t) for t in (A, OPPOSED, A2)] == cluster_texts([A, OPPOSED, A2])


def test_batch_and_index_agree_with_the_rule_on_a_generated_set() -> None:
    """No hard pair merged by either; the clusters as alike as before the rule."""
    ds = generate(4000, seed=3)
    batch = cluster_texts(ds.texts, draft_texts=ds.draft_texts)
    ix = NearDuplicateIndex(ds.draft_texts)
    inc = [ix.add(t) for t in ds.texts]
    for pred in (batch, inc):
        assert not [(i, j) for i, j in ds.hard_pairs if pred[i] == pred[j]]
    assert ix._near.nodes == len({t.replace("|", "") for t in normalize_many(ds.texts, breaks=True) if t})


def test_links_are_the_batch_links() -> None:
    """Each text is linked to the latest earlier text of each of its bands, as in ``cluster_texts``."""
    ds = generate(3000, seed=5)
    texts = list(dict.fromkeys(t.replace("|", "") for t in normalize_many(ds.texts, breaks=True)))
    sig = _features(texts, DraftMask.from_texts(ds.draft_texts))[0]
    keys = _keys(sig[sig[:, 0] != EMPTY])
    previous = _previous_in_bucket(keys.T.copy())
    near = NearCopies()
    linked = 0
    for i, row in enumerate(keys):
        got = near.link(row)
        near.add_representative(i)
        assert got == sorted(set(previous[i].tolist()) - {-1}), i
        linked += bool(got)
    assert linked > len(keys) // 3


def _strip(path: Path, out: Path, prefixes: tuple[str, ...]) -> None:
    with np.load(path) as z:
        np.savez(out, **{k: z[k] for k in z.files if not k.startswith(prefixes)})


def test_restart_keeps_the_near_copies(tmp_path: Path) -> None:
    ds = generate(2500, seed=8)
    running = NearDuplicateIndex(ds.draft_texts)
    for t in ds.texts[:2000]:
        running.add(t)
    running.save(tmp_path / "ix.npz")
    restarted = NearDuplicateIndex.load(tmp_path / "ix.npz")
    for name, arr in running._near.arrays().items():
        assert np.array_equal(restarted._near.arrays()[name], arr), name
    assert restarted._near_verdict == running._near_verdict
    # proposals of the masked texts, as add made them (the unmasked text counted a quoted article's
    # numbers and negations: 2 of 331 representatives of generate(3000, seed=8) differed)
    fields = [(p.numbers, p.negations, p.supports, p.quoted, p.text) for p in running._props]
    assert [(p.numbers, p.negations, p.supports, p.quoted, p.text) for p in restarted._props] == fields
    assert [restarted.add(t) for t in ds.texts[2000:]] == [running.add(t) for t in ds.texts[2000:]]


def test_index_file_without_near_copies_still_loads(tmp_path: Path) -> None:
    """Files written before the rule load with their representatives as the only near-copies."""
    ds = generate(600, seed=4)
    ix = NearDuplicateIndex(ds.draft_texts)
    for t in ds.texts[:500] + [A]:
        ix.add(t)
    ix.save(tmp_path / "new.npz")
    _strip(tmp_path / "new.npz", tmp_path / "old.npz", ("near_", "follower_"))
    again = NearDuplicateIndex.load(tmp_path / "old.npz")
    assert [again.rep_of(i) for i in range(501)] == [ix.rep_of(i) for i in range(501)]
    assert again._near.nodes == len(again.representatives)
    assert [again.add(t) for t in ds.texts[500:]] == [ix.add(t) for t in ds.texts[500:]]
    # a near-copy that is a representative is still found: "反对" before A does not join A
    assert again.add("反对" + A[8:]) == ix.add("反对" + A[8:]) != 500


def test_key_table_keeps_the_latest_value_of_each_key() -> None:
    rng = np.random.default_rng(0)
    keys = rng.integers(0, 1 << 63, 5000, dtype=np.uint64)
    keys[:3] = (0, 5, 1 << 62)  # 0 is stored as 1: the callers verify what they find
    table = KeyTable()
    seen: dict[int, int] = {}
    for v, start in enumerate(range(0, 20000, NEAR_BANDS)):
        chunk = keys[rng.integers(0, len(keys), NEAR_BANDS)] if start % 3 else keys[start % 5000 : start % 5000 + 4]
        chunk = np.unique(chunk)
        before = table.swap(chunk, v)
        assert before == [seen.get(max(int(k), 1), -1) for k in chunk]
        for k in chunk.tolist():
            seen[max(k, 1)] = v
    assert len(table) == len(seen) and len(table.arrays()[0]) >= len(seen) / 0.7
    ks = np.array(list(seen), dtype=np.uint64)
    vs = np.array(list(seen.values()))
    order = np.argsort(vs, kind="stable")
    rebuilt = KeyTable.of_pairs(np.concatenate([ks, ks[order]]), np.concatenate([vs - 1, vs[order]]))
    assert rebuilt.swap(ks, -1) == vs.tolist()
