"""``conflict()``'s compiled part decides exactly as the plain-Python statement of its rules.

The kernel (``liaison.analysis.edits_kernel``) replaced Python loops that were a sixth of the
clustering time; ``edits_reference`` keeps those loops as the statement of the rules. Both must
agree on every pair, in both directions and both modes (against a representative, and the strict
test against other members).
"""

from __future__ import annotations

import random
import sys
from collections import defaultdict
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from analysis_data import DRAFT_TEXTS, generate  # noqa: E402
from edits_reference import reference_conflict, reference_edits  # noqa: E402

from liaison.analysis.draftmask import DraftMask  # noqa: E402
from liaison.analysis.normalize import normalize_many  # noqa: E402
from liaison.analysis.verify import Proposal, conflict, proposal, proposals  # noqa: E402


def _proposals(texts: list[str]) -> list[Proposal]:
    broken = normalize_many(texts, breaks=True)
    masked, quoted = DraftMask.from_texts(DRAFT_TEXTS).mask_many([t.replace("|", "") for t in broken])
    return proposals(masked, quoted, texts=broken)


def _agree(a: Proposal, b: Proposal) -> None:
    for min_shared in (3, 8):
        assert conflict(a, b, min_shared) == reference_conflict(a, b, min_shared), (a.text, b.text, min_shared)
        assert conflict(b, a, min_shared) == reference_conflict(b, a, min_shared), (b.text, a.text, min_shared)


def test_agrees_on_the_pairs_clustering_compares() -> None:
    """Copies of one campaign text (edited, with remarks added) and the close-but-different pairs."""
    ds = generate(3000, seed=5, longer=True)
    props = _proposals(ds.texts)
    by_label: dict[str, list[int]] = defaultdict(list)
    for i, label in enumerate(ds.labels):
        by_label[label].append(i)
    rng = random.Random(5)
    pairs = list(ds.hard_pairs)
    for members in by_label.values():
        if len(members) > 1:
            pairs += [tuple(rng.sample(members, 2)) for _ in range(min(40, len(members)))]
    pairs += [tuple(rng.sample(range(len(props)), 2)) for _ in range(300)]  # unrelated texts
    differing = 0
    conflicts = 0
    for i, j in pairs:
        a, b = props[i], props[j]
        differing += a.fingerprint() != b.fingerprint()
        conflicts += conflict(a, b)
        _agree(a, b)
    # the pairs exercise the kernel: many fingerprints differ, and both verdicts occur
    assert differing > 500
    assert 100 < conflicts < differing


def test_known_verdicts() -> None:
    """The cases the rules exist for, through the kernel."""
    base = "建议牵引绳长度不超过1.5米|牵引绳过长容易让犬只扑向行人|请相关部门严格执法"
    assert conflict(proposal(base), proposal(base.replace("1.5米", "2米")))
    assert conflict(proposal("我认为应当禁止饲养大型犬|安全隐患太大"), proposal("我认为不应当禁止饲养大型犬|安全隐患太大"))
    assert conflict(proposal("我支持每户限养一只犬的规定|噪音影响休息"), proposal("我反对每户限养一只犬的规定|噪音影响休息"))
    remark = base + "|我家楼下有3条狗天天叫"  # a remark added at length with its own number
    assert not conflict(proposal(base), proposal(remark))
    assert not conflict(proposal(base), proposal(base.replace("1.5米", "一点五米")))


def test_reference_counts_what_the_kernel_compares() -> None:
    """The reference's edits for a plain number change: one edit on each side, different values."""
    a = proposal("建议罚款金额定为200元|形成震慑")
    b = proposal("建议罚款金额定为500元|形成震慑")
    assert reference_edits(a, b.text) == {"#200元": 1}
    assert reference_edits(b, a.text) == {"#500元": 1}
    assert conflict(a, b)


_ALPHABET = "建议牵引绳长度米元犬只禁止不应当支持反对同意取消一二两点五十|1.5230"


@settings(max_examples=300, deadline=None)
@given(st.text(_ALPHABET, min_size=0, max_size=40), st.text(_ALPHABET, min_size=0, max_size=40))
def test_agrees_on_random_texts(x: str, y: str) -> None:
    """Dense in numbers, negations, support words and clause breaks: every branch of the rules."""
    _agree(proposal(x), proposal(y))


@settings(max_examples=150, deadline=None)
@given(st.text(_ALPHABET, min_size=5, max_size=40), st.integers(0, 39), st.text(_ALPHABET, max_size=4))
def test_agrees_on_edited_copies(x: str, at: int, insert: str) -> None:
    """A text against a copy with a short insertion: the near-copies the guard is for."""
    at = min(at, len(x))
    _agree(proposal(x), proposal(x[:at] + insert + x[at:]))
