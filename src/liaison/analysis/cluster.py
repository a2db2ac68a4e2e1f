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
from liaison.analysis.verify import THRESHOLD, Proposal, conflict, proposals

__all__ = ["BANDS", "ROWS", "NearDuplicateIndex", "cluster_texts"]

BANDS = 16
ROWS = 4
_MIN_EQUAL = int(np.ceil(THRESHOLD * NUM_PERM))
_FORMAT = 1
_BUCKET_CAP = 32  # representatives remembered per LSH bucket in the incremental index


def _digest(normalized: str) -> bytes:
    return hashlib.blake2b(normalized.encode("utf-8"), digest_size=16).digest()


def _keys(sig: np.ndarray, guard: np.ndarray | None = None) -> np.ndarray:
    """LSH band keys, with the proposal fingerprint mixed in when given."""
    k = band_keys(sig, BANDS, ROWS)
    if guard is None:
        return k
    with np.errstate(over="ignore"):
        k ^= guard.astype(np.uint64)[:, None] * np.uint64(0xD6E8FEB86659FD93)
    return _fmix64(k)


def _features(
    texts: Sequence[str], mask: DraftMask, broken: Sequence[str] | None = None
) -> tuple[np.ndarray, list[Proposal], np.ndarray]:
    """(signatures, proposals, fingerprints) of normalised texts (``broken``: with clause breaks)."""
    masked, quoted = mask.mask_many(texts)
    sig = signatures(masked)
    props = proposals(masked, quoted, broken)
    guard = np.array([p.fingerprint() for p in props], dtype=np.uint64)
    return sig, props, guard


def _first_in_bucket(keys: np.ndarray) -> np.ndarray:
    """For each row and band, the earliest row with the same key."""
    firsts = np.empty(keys.shape, dtype=np.int64)
    for b in range(keys.shape[1]):
        col = keys[:, b]
        order = np.argsort(col, kind="stable")
        sc = col[order]
        start = np.ones(len(sc), dtype=bool)
        start[1:] = sc[1:] != sc[:-1]
        grp = np.cumsum(start) - 1
        f = np.empty(len(col), dtype=np.int64)
        f[order] = order[np.flatnonzero(start)][grp]
        firsts[:, b] = f
    return firsts


def cluster_texts(texts: Sequence[str], *, draft_texts: Sequence[str] = ()) -> list[int]:
    """For every text, the position of its cluster's representative (its earliest member)."""
    mask = DraftMask.from_texts(draft_texts)
    n = len(texts)
    broken = normalize_many(texts, breaks=True)
    norm = [t.replace("|", "") for t in broken]
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
    rep_u = _cluster_unique([norm[i] for i in uniq], mask, [broken[i] for i in uniq])
    del broken
    rep_pos = u_pos[rep_u]  # representative position for each unique text
    u_index = np.full(n, -1, dtype=np.int64)
    u_index[u_pos] = np.arange(len(u_pos))
    return rep_pos[u_index[exact_of]].tolist()


def _cluster_unique(texts: list[str], mask: DraftMask, broken: list[str] | None = None) -> np.ndarray:
    """Leader clustering of distinct normalised texts; returns the representative index of each."""
    n = len(texts)
    rep = np.arange(n, dtype=np.int64)
    if n == 0:
        return rep
    sig, props, guard = _features(texts, mask, broken)
    has = sig[:, 0] != EMPTY
    idx = np.flatnonzero(has)
    if len(idx) < 2:
        return rep
    s = sig[idx]
    g = guard[idx]
    pr = [props[i] for i in idx.tolist()]
    m = len(idx)
    # candidates: the earliest member of each bucket, among texts with the same fingerprint
    # (the common case) and among all texts (numbers or negations added, not changed)
    firsts = np.concatenate([_first_in_bucket(_keys(s, g)), _first_in_bucket(_keys(s))], axis=1)
    local = np.arange(m)
    cc = np.where(firsts < local[:, None], firsts, -1).reshape(-1)
    ii = np.repeat(local, firsts.shape[1])
    ok = cc >= 0
    pair = np.unique(ii[ok] * m + cc[ok])
    pi, pc = pair // m, pair % m
    good = np.zeros(len(pair), dtype=bool)
    step = 1 << 16
    for a in range(0, len(pair), step):
        x, y = pi[a : a + step], pc[a : a + step]
        good[a : a + step] = np.count_nonzero(s[x] == s[y], axis=1) >= _MIN_EQUAL
    pi, pc = pi[good], pc[good]
    gl = g.tolist()

    def verified(a: int, b: int, sim_known: bool = False) -> bool:
        if not sim_known and np.count_nonzero(s[a] == s[b]) < _MIN_EQUAL:
            return False
        # same fingerprint: same numbers and negations; else only a real conflict keeps them apart
        return gl[a] == gl[b] or not conflict(pr[a], pr[b])

    # sequential resolution: join the earliest similar candidate that is a representative (or
    # whose representative is similar too) and whose proposal does not conflict; else lead
    lrl = list(range(m))
    if len(pi):
        starts = np.flatnonzero(np.r_[True, pi[1:] != pi[:-1]])
        ends = np.r_[starts[1:], len(pi)]
        pcl = pc.tolist()
        for it, a, e in zip(pi[starts].tolist(), starts.tolist(), ends.tolist()):
            tried: set[int] = set()
            for c in pcl[a:e]:
                r = lrl[c]
                if r in tried:
                    continue
                tried.add(r)
                if verified(it, r, sim_known=r == c):
                    lrl[it] = r
                    break
    rep[idx] = idx[np.array(lrl, dtype=np.int64)]
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
        self._props: list[Proposal] = []
        self._buckets: dict[int, int | list[int]] = {}

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
        """Index one opinion; returns the position of its cluster's representative."""
        return self.add_normalized(normalize_many([text], breaks=True)[0])

    def add_normalized(self, normalized: str) -> int:
        """``add`` for a text from ``normalize_many(…, breaks=True)`` (or plain ``normalize``)."""
        broken = normalized
        normalized = normalized.replace("|", "")
        pos = len(self._rep_of)
        d = _digest(normalized)
        hit = self._exact.get(d)
        if hit is not None:
            r = self._rep_of[hit]
            self._rep_of.append(r)
            return r
        self._exact[d] = pos
        sig, props, guard = _features([normalized], self.mask, [broken])
        prop = props[0]
        if sig[0, 0] == EMPTY:
            return self._new_rep(pos, sig[0], guard[0], prop, None)
        keys = _keys(sig)[0].tolist()
        get = self._buckets.get
        found: set[int] = set()
        for k in keys:
            v = get(k)
            if v is None:
                continue
            if isinstance(v, int):
                found.add(v)
            else:
                found.update(v)
        if found:
            cands = sorted(found)
            slots = [self._rep_slot[c] for c in cands]
            eq = np.count_nonzero(self._sig[slots] == sig[0], axis=1)
            gd = self._guard[slots] == guard[0]
            for c, slot, e, same in zip(cands, slots, eq.tolist(), gd.tolist()):
                if e >= _MIN_EQUAL and (same or not conflict(prop, self._props[slot])):
                    self._rep_of.append(c)
                    return c
        return self._new_rep(pos, sig[0], guard[0], prop, keys)

    def _new_rep(self, pos: int, sig: np.ndarray, guard: np.uint64, prop: Proposal, keys: list[int] | None) -> int:
        slot = len(self._reps)
        if slot >= len(self._guard):
            self._grow()
        self._sig[slot] = sig
        self._guard[slot] = guard
        self._props.append(prop)
        self._reps.append(pos)
        self._rep_slot[pos] = slot
        self._rep_of.append(pos)
        if keys is not None:
            self._insert(keys, pos)
        return pos

    def _insert(self, keys: list[int], pos: int) -> None:
        b = self._buckets
        for k in keys:
            v = b.get(k)
            if v is None:
                b[k] = pos
            elif isinstance(v, int):
                b[k] = [v, pos]
            elif len(v) < _BUCKET_CAP:
                v.append(pos)

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
                rep_text=np.array([p.text for p in self._props], dtype=np.str_),
                rep_quoted=np.array([",".join(map(str, p.quoted)) for p in self._props], dtype=np.str_),
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
            rep_text = z["rep_text"].tolist()
            rep_quoted = z["rep_quoted"].tolist()
        from liaison.analysis.verify import proposal

        self._props = [
            proposal(t, frozenset(int(x) for x in q.split(",") if x)) for t, q in zip(rep_text, rep_quoted)
        ]
        nreps = len(self._reps)
        cap = max(1024, 1 << int(np.ceil(np.log2(max(nreps, 1) + 1))))
        self._sig = np.empty((cap, NUM_PERM), dtype=np.uint32)
        self._sig[:nreps] = sig
        self._guard = np.empty(cap, dtype=np.uint64)
        self._guard[:nreps] = guard
        self._rep_slot = {p: i for i, p in enumerate(self._reps)}
        has = np.flatnonzero(sig[:, 0] != EMPTY) if nreps else np.zeros(0, np.int64)
        if len(has):
            keys = _keys(sig[has])
            reps = np.asarray(self._reps, dtype=np.int64)[has]
            for row, r in zip(keys.tolist(), reps.tolist()):
                self._insert(row, r)
        return self
