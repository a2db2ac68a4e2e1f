"""Deduplication and clustering: batch (``cluster_texts``) and incremental (``NearDuplicateIndex``).

Pipeline for every opinion: ``normalize`` → exact key → draft mask → MinHash
signature + proposal fingerprint → LSH candidates → verification → cluster.

Clusters are *leader* clusters: a cluster's representative is its earliest
member, and a text joins a cluster only if it verifies against the
representative itself (similarity ≥ ``THRESHOLD`` *and* equal proposal
fingerprint). Similarity is never chained (A~B, B~C does not put A with C unless
A~C's representative test passes), so a drift of small edits cannot walk from
one proposal to another.

LSH keys mix in the proposal fingerprint: texts with different numbers or
polarity never even become candidates, and each bucket holds texts that could
legitimately merge, so a bucket needs to remember only one representative.

Pure domain code: numpy and the standard library.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from liaison.analysis.draftmask import DraftMask
from liaison.analysis.minhash import EMPTY, NUM_PERM, _fmix64, band_keys, signatures
from liaison.analysis.normalize import normalize_many
from liaison.analysis.verify import THRESHOLD, fingerprints

__all__ = ["BANDS", "ROWS", "NearDuplicateIndex", "cluster_texts"]

BANDS = 16
ROWS = 4
_MIN_EQUAL = int(np.ceil(THRESHOLD * NUM_PERM))
_FORMAT = 1


def _digest(normalized: str) -> bytes:
    return hashlib.blake2b(normalized.encode("utf-8"), digest_size=16).digest()


def _keys(sig: np.ndarray, guard: np.ndarray) -> np.ndarray:
    """LSH band keys with the proposal fingerprint mixed in."""
    k = band_keys(sig, BANDS, ROWS)
    with np.errstate(over="ignore"):
        k ^= guard.astype(np.uint64)[:, None] * np.uint64(0xD6E8FEB86659FD93)
    return _fmix64(k)


def _features(texts: Sequence[str], mask: DraftMask) -> tuple[np.ndarray, np.ndarray]:
    """(signatures, fingerprints) of normalised texts."""
    masked, quoted = mask.mask_many(texts)
    sig = signatures(masked)
    guard = np.array(fingerprints(masked, quoted), dtype=np.uint64)
    return sig, guard


def cluster_texts(texts: Sequence[str], *, draft_texts: Sequence[str] = ()) -> list[int]:
    """For every text, the position of its cluster's representative (its earliest member)."""
    mask = DraftMask.from_texts(draft_texts)
    n = len(texts)
    norm = normalize_many(texts)
    first: dict[str, int] = {}
    exact_of = np.empty(n, dtype=np.int64)
    uniq: list[int] = []
    setdefault = first.setdefault
    for i, t in enumerate(norm):
        j = setdefault(t, i)
        exact_of[i] = j
        if j == i:
            uniq.append(i)
    del first
    u_pos = np.array(uniq, dtype=np.int64)
    rep_u = _cluster_unique([norm[i] for i in uniq], mask)
    rep_pos = u_pos[rep_u]  # representative position for each unique text
    u_index = np.full(n, -1, dtype=np.int64)
    u_index[u_pos] = np.arange(len(u_pos))
    return rep_pos[u_index[exact_of]].tolist()


def _cluster_unique(texts: list[str], mask: DraftMask) -> np.ndarray:
    """Leader clustering of distinct normalised texts; returns the representative index of each."""
    n = len(texts)
    rep = np.arange(n, dtype=np.int64)
    if n == 0:
        return rep
    sig, guard = _features(texts, mask)
    has = sig[:, 0] != EMPTY
    idx = np.flatnonzero(has)
    if len(idx) < 2:
        return rep
    keys = _keys(sig[idx], guard[idx])
    # earliest member of every bucket, per band
    firsts = np.empty_like(keys, dtype=np.int64)
    for b in range(BANDS):
        col = keys[:, b]
        order = np.argsort(col, kind="stable")
        sc = col[order]
        start = np.ones(len(sc), dtype=bool)
        start[1:] = sc[1:] != sc[:-1]
        grp = np.cumsum(start) - 1
        head = order[np.flatnonzero(start)]
        f = np.empty(len(col), dtype=np.int64)
        f[order] = head[grp]
        firsts[:, b] = f
    local = np.arange(len(idx))
    # candidate pairs (i, c) with c < i, deduplicated
    cand = np.where(firsts < local[:, None], firsts, -1)
    ii = np.repeat(local, BANDS)
    cc = cand.reshape(-1)
    ok = cc >= 0
    pair = np.unique(ii[ok] * len(idx) + cc[ok])
    pi, pc = pair // len(idx), pair % len(idx)
    s = sig[idx]
    g = guard[idx]
    good = np.zeros(len(pair), dtype=bool)
    step = 1 << 16
    for a in range(0, len(pair), step):
        x, y = pi[a : a + step], pc[a : a + step]
        eq = np.count_nonzero(s[x] == s[y], axis=1)
        good[a : a + step] = (eq >= _MIN_EQUAL) & (g[x] == g[y])
    pi, pc = pi[good], pc[good]
    # sequential resolution: join the earliest verified candidate that is (or whose
    # representative verifies as) a representative; otherwise lead a new cluster
    lrep = np.arange(len(idx), dtype=np.int64)
    if len(pi):
        starts = np.flatnonzero(np.r_[True, pi[1:] != pi[:-1]])
        ends = np.r_[starts[1:], len(pi)]
        items = pi[starts].tolist()
        pcl = pc.tolist()
        lr = lrep  # numpy view for on-the-fly checks
        lrl = lr.tolist()
        for it, a, e in zip(items, starts.tolist(), ends.tolist()):
            for c in pcl[a:e]:
                r = lrl[c]
                if r == c:
                    lrl[it] = c
                    break
                if g[it] == g[r] and np.count_nonzero(s[it] == s[r]) >= _MIN_EQUAL:
                    lrl[it] = r
                    break
        lrep = np.array(lrl, dtype=np.int64)
    rep[idx] = idx[lrep]
    return rep


class NearDuplicateIndex:
    """Incremental clustering: ``add(text)`` returns the position of the text's representative.

    Positions count every text added (0, 1, 2 …). The index keeps, per distinct
    normalised text, its 16-byte digest; per representative, its signature and
    fingerprint; and one dict from LSH key to representative. ``save``/``load``
    write and read one ``.npz`` file (the dict is rebuilt on load).
    """

    def __init__(self, draft_texts: Sequence[str] = (), *, mask: DraftMask | None = None):
        self.mask = mask if mask is not None else DraftMask.from_texts(draft_texts)
        self._rep_of: list[int] = []
        self._exact: dict[bytes, int] = {}
        self._reps: list[int] = []
        self._rep_slot: dict[int, int] = {}
        self._sig = np.empty((1024, NUM_PERM), dtype=np.uint32)
        self._guard = np.empty(1024, dtype=np.uint64)
        self._buckets: dict[int, int] = {}

    def __len__(self) -> int:
        return len(self._rep_of)

    @property
    def representatives(self) -> list[int]:
        return list(self._reps)

    def rep_of(self, position: int) -> int:
        return self._rep_of[position]

    def _grow(self) -> None:
        size = len(self._guard) * 2
        sig = np.empty((size, NUM_PERM), dtype=np.uint32)
        sig[: len(self._reps)] = self._sig[: len(self._reps)]
        guard = np.empty(size, dtype=np.uint64)
        guard[: len(self._reps)] = self._guard[: len(self._reps)]
        self._sig, self._guard = sig, guard

    def add(self, text: str) -> int:
        return self.add_normalized(normalize_many([text])[0])

    def add_normalized(self, normalized: str) -> int:
        pos = len(self._rep_of)
        d = _digest(normalized)
        hit = self._exact.get(d)
        if hit is not None:
            r = self._rep_of[hit]
            self._rep_of.append(r)
            return r
        self._exact[d] = pos
        sig, guard = _features([normalized], self.mask)
        if sig[0, 0] == EMPTY:
            return self._new_rep(pos, sig[0], guard[0], None)
        keys = _keys(sig, guard)[0].tolist()
        get = self._buckets.get
        cands = sorted({c for c in (get(k) for k in keys) if c is not None})
        if cands:
            slots = [self._rep_slot[c] for c in cands]
            eq = np.count_nonzero(self._sig[slots] == sig[0], axis=1)
            gd = self._guard[slots] == guard[0]
            for c, e, gg in zip(cands, eq.tolist(), gd.tolist()):
                if gg and e >= _MIN_EQUAL:
                    self._rep_of.append(c)
                    return c
        return self._new_rep(pos, sig[0], guard[0], keys)

    def _new_rep(self, pos: int, sig: np.ndarray, guard: np.uint64, keys: list[int] | None) -> int:
        slot = len(self._reps)
        if slot >= len(self._guard):
            self._grow()
        self._sig[slot] = sig
        self._guard[slot] = guard
        self._reps.append(pos)
        self._rep_slot[pos] = slot
        self._rep_of.append(pos)
        if keys is not None:
            sd = self._buckets.setdefault
            for k in keys:
                sd(k, pos)
        return pos

    # persistence -----------------------------------------------------------------
    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the index to ``path`` (numpy ``.npz``; written to a temp file, then renamed)."""
        path = Path(path)
        nreps = len(self._reps)
        digests = np.frombuffer(b"".join(self._exact.keys()), dtype="S16") if self._exact else np.zeros(0, "S16")
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "wb") as fh:
            np.savez(
                fh,
                format=np.array([_FORMAT]),
                rep_of=np.array(self._rep_of, dtype=np.int64),
                exact_digest=digests,
                exact_pos=np.array(list(self._exact.values()), dtype=np.int64),
                reps=np.array(self._reps, dtype=np.int64),
                sig=self._sig[:nreps],
                guard=self._guard[:nreps],
                mask_hashes=self.mask.hashes,
                mask_articles=self.mask.articles,
                mask_min_len=np.array([self.mask.min_len]),
            )
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> NearDuplicateIndex:
        with np.load(path, allow_pickle=False) as z:
            if int(z["format"][0]) != _FORMAT:
                raise ValueError(f"unsupported index format {int(z['format'][0])}")
            mask = DraftMask(z["mask_hashes"], z["mask_articles"], int(z["mask_min_len"][0]))
            self = cls(mask=mask)
            self._rep_of = z["rep_of"].tolist()
            digests = z["exact_digest"]
            self._exact = dict(zip((bytes(d).ljust(16, b"\0") for d in digests.tolist()), z["exact_pos"].tolist()))
            self._reps = z["reps"].tolist()
            sig = z["sig"]
            guard = z["guard"]
        nreps = len(self._reps)
        cap = max(1024, 1 << int(np.ceil(np.log2(max(nreps, 1) + 1))))
        self._sig = np.empty((cap, NUM_PERM), dtype=np.uint32)
        self._sig[:nreps] = sig
        self._guard = np.empty(cap, dtype=np.uint64)
        self._guard[:nreps] = guard
        self._rep_slot = {p: i for i, p in enumerate(self._reps)}
        has = np.flatnonzero(sig[:, 0] != EMPTY) if nreps else np.zeros(0, np.int64)
        if len(has):
            keys = _keys(sig[has], guard[has])
            reps = np.asarray(self._reps, dtype=np.int64)[has]
            # setdefault semantics: the earliest representative wins each key
            buckets: dict[int, int] = {}
            sd = buckets.setdefault
            for row, r in zip(keys.tolist(), reps.tolist()):
                for k in row:
                    sd(k, r)
            self._buckets = buckets
        return self
