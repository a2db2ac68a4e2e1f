"""The compiled MinHash gives the signatures of the numpy statement it replaced, bit for bit
(saved indexes, band keys and clustering results depend on it)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from analysis_data import generate  # noqa: E402
from minhash_reference import reference_signatures  # noqa: E402

from liaison.analysis.minhash import EMPTY, signatures  # noqa: E402
from liaison.analysis.normalize import normalize_many  # noqa: E402


def test_same_signatures_as_numpy_on_opinions() -> None:
    texts = normalize_many(generate(3000, seed=9, longer=True).texts)
    texts += ["", "a", "ab", "abc", "一二", "𠀀", "𠀀𠀁", "𠀀𠀁𠀂", "x" * 5, "%%%%"]
    got = signatures(texts)
    assert got.dtype == np.uint32 and got.shape == (len(texts), 64)
    assert np.array_equal(got, reference_signatures(texts))
    assert (got[texts.index("")] == EMPTY).all()
    assert (got[texts.index("a")] != EMPTY).all()  # one shingle, densified into every bin


def test_chunks_do_not_change_signatures() -> None:
    texts = normalize_many(generate(9000, seed=2).texts)  # more than one chunk of 8,192
    assert np.array_equal(signatures(texts), np.concatenate([signatures(texts[:5000]), signatures(texts[5000:])]))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(min_size=0, max_size=30).filter(lambda t: "\n" not in t), max_size=8))
def test_same_signatures_as_numpy_on_any_text(texts: list[str]) -> None:
    assert np.array_equal(signatures(texts), reference_signatures(texts))
