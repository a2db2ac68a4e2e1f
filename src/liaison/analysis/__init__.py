"""Analysis of opinions: normalisation, deduplication, clustering (and, in sibling modules, tagging).

Pure domain code — no web or database imports. See docs/analysis.md.

* :func:`normalize`, :func:`exact_key` — canonical text and exact-duplicate key.
* :class:`DraftMask` — removes spans copied verbatim from the draft.
* :func:`cluster_texts` — batch clustering (representative = earliest member).
* :class:`NearDuplicateIndex` — incremental assignment, ``save``/``load``.
* :func:`evaluate` and friends — B-cubed / pairwise precision-recall, hard-pair merges.

The names below load with their module on first use: importing one module of the package (the
``liaison analyze`` command, which every ``liaison`` command registers, or ``normalize``) does not
load numpy with the clustering code (~0.08 s at each start of the ``liaison`` command).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from liaison.analysis.cluster import NearDuplicateIndex, cluster_texts
    from liaison.analysis.draftmask import DraftMask
    from liaison.analysis.metrics import Quality, bcubed, evaluate, hard_pair_merges, pairwise
    from liaison.analysis.minhash import band_keys, estimate_jaccard, signatures
    from liaison.analysis.normalize import canonical, exact_key, normalize, normalize_many
    from liaison.analysis.verify import THRESHOLD, Proposal, conflict, proposal

#: Each exported name and the module of the package it lives in.
_HOMES = {
    "NearDuplicateIndex": "cluster", "cluster_texts": "cluster",
    "DraftMask": "draftmask",
    "Quality": "metrics", "bcubed": "metrics", "evaluate": "metrics", "hard_pair_merges": "metrics",
    "pairwise": "metrics",
    "band_keys": "minhash", "estimate_jaccard": "minhash", "signatures": "minhash",
    "canonical": "normalize", "exact_key": "normalize", "normalize": "normalize", "normalize_many": "normalize",
    "THRESHOLD": "verify", "Proposal": "verify", "conflict": "verify", "proposal": "verify",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = globals()[name] = getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
    return value
