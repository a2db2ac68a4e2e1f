"""Analysis of opinions: normalisation, deduplication, clustering (and, in sibling modules, tagging).

Pure domain code — no web or database imports. See docs/analysis.md.

* :func:`normalize`, :func:`exact_key` — canonical text and exact-duplicate key.
* :class:`DraftMask` — removes spans copied verbatim from the draft.
* :func:`cluster_texts` — batch clustering (representative = earliest member).
* :class:`NearDuplicateIndex` — incremental assignment, ``save``/``load``.
* :func:`evaluate` and friends — B-cubed / pairwise precision-recall, hard-pair merges.
"""

from liaison.analysis.cluster import NearDuplicateIndex, cluster_texts
from liaison.analysis.draftmask import DraftMask
from liaison.analysis.metrics import Quality, bcubed, evaluate, hard_pair_merges, pairwise
from liaison.analysis.minhash import band_keys, estimate_jaccard, signatures
from liaison.analysis.normalize import canonical, exact_key, normalize, normalize_many
from liaison.analysis.verify import THRESHOLD, Proposal, conflict, proposal

__all__ = [
    "THRESHOLD",
    "DraftMask",
    "NearDuplicateIndex",
    "Proposal",
    "Quality",
    "band_keys",
    "bcubed",
    "canonical",
    "cluster_texts",
    "conflict",
    "estimate_jaccard",
    "evaluate",
    "exact_key",
    "hard_pair_merges",
    "normalize",
    "normalize_many",
    "pairwise",
    "proposal",
    "signatures",
]
