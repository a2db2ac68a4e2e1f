"""The fast tagging code gives exactly the tags the code before the speed-up gave.

``data/tagging_reference.json.gz`` holds 8,012 texts (fuzzed fragments that hit the rules'
corners, plus the benchmark's opinions) and the stance, topic tags (two taxonomies) and article
references (with and without the draft's title) that the implementation of commit 8909574 gave
them; see ``tagging_corpus.py``.
"""

from __future__ import annotations

import gzip
import json

import pytest
from tagging_corpus import FIXTURE, tags_of


@pytest.fixture(scope="module")
def reference() -> dict:
    with gzip.open(FIXTURE, "rt", encoding="utf-8") as f:
        return json.load(f)


def test_fixture_is_substantial(reference: dict) -> None:
    tags = reference["tags"]
    assert len(reference["texts"]) == len(tags) >= 8000
    assert sum(1 for t in tags if t[2]) > 3000  # texts with references
    assert {t[0][0] for t in tags} == {"support", "oppose", "amend", "question"}
    assert sum(1 for t in tags if t[1]["nested"]) > 3000


def test_same_tags_as_before(reference: dict) -> None:
    got = tags_of(reference["texts"], reference["taxonomies"])
    # JSON turns tuples into lists; compare in that form
    got = json.loads(json.dumps(got, ensure_ascii=False))
    diffs = [(text, want, have) for text, want, have in zip(reference["texts"], reference["tags"], got) if want != have]
    assert not diffs, f"{len(diffs)} texts tagged differently, e.g. {diffs[:3]}"
