"""The incremental index confirms borderline MinHash estimates by exact 3-gram Jaccard, like batch."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from analysis_data import DRAFT_TEXTS, generate  # noqa: E402

from liaison.analysis.cluster import _MIN_EQUAL, NearDuplicateIndex, _keys, cluster_texts  # noqa: E402
from liaison.analysis.draftmask import DraftMask  # noqa: E402
from liaison.analysis.jaccard import SURE, exact_alike, grams  # noqa: E402
from liaison.analysis.metrics import bcubed  # noqa: E402
from liaison.analysis.minhash import signatures  # noqa: E402
from liaison.analysis.normalize import normalize_many  # noqa: E402
from liaison.analysis.verify import conflict, proposals  # noqa: E402

# two different opinions (positions 556 and 899 of generate(3000, seed=8)) that share two remarks
# on rural sanitation: 27 of 64 slots equal, but an exact 3-gram Jaccard of 0.27
A = (
    "各位领导好，我住在桥苑小区，晚上八点以后在河边步道有人专门去劝阻过，废旧农膜回收应当有补贴，"
    "房前屋后要保持干净整洁，这个问题已经反映过多次，周末在电梯里孩子们玩耍很不安全。 许伟红 160-6063-2430"
)
B = (
    "您好！在桥湾社区，周末在公交站附近味道很难闻，废旧农膜回收应当有补贴，房前屋后要保持干净整洁，"
    "上下班高峰在村口孩子们玩耍很不安全，需要多方配合!感谢！\n——林秀秀"
)


def _masked(texts: list[str]) -> tuple[list[str], list[str]]:
    """(clause-broken normalised texts, masked texts as batch clustering masks them)."""
    broken = normalize_many(texts, breaks=True)
    masked, _ = DraftMask.from_texts(DRAFT_TEXTS).mask_many([t.replace("|", "") for t in broken])
    return broken, masked


def test_borderline_pair_is_kept_apart_by_exact_jaccard(tmp_path: Path) -> None:
    broken, masked = _masked([A, B])
    sig = signatures(masked)
    equal = int(np.count_nonzero(sig[0] == sig[1]))
    # the premise: on the estimate alone they would merge (candidates, similar enough, no conflict)
    assert _MIN_EQUAL <= equal < SURE
    assert set(_keys(sig)[0].tolist()) & set(_keys(sig)[1].tolist())
    pa, pb = proposals(masked, None, broken)
    assert pa.fingerprint() == pb.fingerprint() and not conflict(pa, pb)
    # …but the exact Jaccard of their masked texts is far below the bar
    assert not exact_alike(grams(masked[0]), grams(masked[1]))

    assert cluster_texts([A, B], draft_texts=DRAFT_TEXTS) == [0, 1]
    ix = NearDuplicateIndex(DRAFT_TEXTS)
    assert [ix.add(A), ix.add(B)] == [0, 1]
    # after a restart the representative's masked text is recomputed from the saved text
    ix = NearDuplicateIndex(DRAFT_TEXTS)
    ix.add(A)
    ix.save(tmp_path / "ix.npz")
    again = NearDuplicateIndex.load(tmp_path / "ix.npz")
    assert again.add(B) == 1
    assert again.add(A) == 0  # an exact copy still joins


def test_saved_text_masks_as_in_batch(tmp_path: Path) -> None:
    """The loaded index's mask, applied to the saved (clause-broken) text, gives batch's masked text."""
    ds = generate(600, seed=4)
    ix = NearDuplicateIndex(ds.draft_texts)
    for t in ds.texts:
        ix.add(t)
    ix.save(tmp_path / "ix.npz")
    again = NearDuplicateIndex.load(tmp_path / "ix.npz")
    broken, masked = _masked(ds.texts)
    assert sum(m != t.replace("|", "") for m, t in zip(masked, broken)) > 20  # the draft is quoted
    assert [again.mask.mask(t.replace("|", "")) for t in broken] == masked


def test_batch_and_incremental_agree_on_a_generated_set() -> None:
    ds = generate(3000, seed=8)
    batch = cluster_texts(ds.texts, draft_texts=ds.draft_texts)
    ix = NearDuplicateIndex(ds.draft_texts)
    inc = [ix.add(t) for t in ds.texts]
    # two texts whose first candidate is a borderline estimate with a low exact Jaccard, which the
    # index merged before it confirmed such estimates: apart from that candidate in both
    for i, r in ((899, 556), (2168, 8)):
        assert batch[i] != r and inc[i] != r
    assert batch[899] == inc[899] == 899
    # every merge of the index passes batch's test against the representative
    broken, masked = _masked(ds.texts)
    sig = signatures(masked)
    for i, r in enumerate(inc):
        if r != i and broken[i].replace("|", "") != broken[r].replace("|", ""):
            e = int(np.count_nonzero(sig[i] == sig[r]))
            assert e >= _MIN_EQUAL and (e >= SURE or exact_alike(grams(masked[i]), grams(masked[r]))), i
    # and the clusters are nearly the same, B-cubed of one against the other (candidates differ:
    # batch finds a cluster through any member's LSH bucket, the index through its representative's)
    precision, recall = bcubed(inc, batch)
    assert precision >= 0.985 and recall >= 0.985, (precision, recall)  # 0.991, 0.993


def _saved(texts: list[str], path: Path) -> NearDuplicateIndex:
    """An index of ``texts`` (with the generator's draft), saved to ``path``."""
    ix = NearDuplicateIndex(DRAFT_TEXTS)
    for t in texts:
        ix.add(t)
    ix.save(path)
    return ix


def test_restarted_index_decides_as_the_running_one(tmp_path: Path) -> None:
    """Saved verdicts and recomputed masked texts: after a restart, the same clusters as without one."""
    ds = generate(3000, seed=8)
    running = _saved(ds.texts[:2000], tmp_path / "ix.npz")
    assert len(np.load(tmp_path / "ix.npz")["verdict_guard"]) > 0
    restarted = NearDuplicateIndex.load(tmp_path / "ix.npz")
    assert restarted._verdict == running._verdict  # the checks are not paid for again
    assert [restarted.add(t) for t in ds.texts[2000:]] == [running.add(t) for t in ds.texts[2000:]]


def test_index_file_without_verdicts_still_loads(tmp_path: Path) -> None:
    """Files written before verdicts were saved (format 2 without the ``verdict_*`` arrays) load."""
    ds = generate(600, seed=4)
    ix = _saved(ds.texts[:500], tmp_path / "new.npz")
    with np.load(tmp_path / "new.npz") as z:
        old = {k: z[k] for k in z.files if not k.startswith("verdict_")}
    assert int(old["format"][0]) == 2
    np.savez(tmp_path / "old.npz", **old)
    again = NearDuplicateIndex.load(tmp_path / "old.npz")
    assert [again.rep_of(i) for i in range(500)] == [ix.rep_of(i) for i in range(500)]
    assert [again.add(t) for t in ds.texts[500:]] == [ix.add(t) for t in ds.texts[500:]]
