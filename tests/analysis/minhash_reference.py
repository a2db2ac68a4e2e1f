"""The numpy statement of ``liaison.analysis.minhash.signatures`` (the implementation until the
compiled kernel replaced it): what ``liaison.analysis.minhash_kernel`` is checked against."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from liaison.analysis.minhash import _BIN_BITS, _P, _STEP, _VAL_MASK, EMPTY, NUM_PERM, _fmix64
from liaison.analysis.normalize import code_points

_CHUNK = 8192


def shingle_hashes(texts: Sequence[str], k: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """(text index, 32-bit hash) of every ``k``-gram of every text, in text order."""
    n = len(texts)
    if n == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.uint32)
    big = "\n".join(texts)
    codes = code_points(big).astype(np.uint64)
    m = len(codes) - k + 1
    tids: list[np.ndarray] = []
    hashes: list[np.ndarray] = []
    if m > 0:
        g = codes[:m].copy()
        with np.errstate(over="ignore"):
            for j in range(1, k):
                g *= _P
                g += codes[j : j + m]
        is_sep = codes == 0x0A
        cs = np.concatenate(([0], np.cumsum(is_sep)))
        ok = (cs[k : k + m] - cs[:m]) == 0
        pos = np.flatnonzero(ok)
        tids.append(cs[pos + 1].astype(np.int64) if len(pos) else np.zeros(0, np.int64))
        hashes.append((_fmix64(g[pos]) >> np.uint64(32)).astype(np.uint32))
    short = [i for i, t in enumerate(texts) if 0 < len(t) < k]
    if short:
        sh = np.array([hash_text(texts[i]) for i in short], dtype=np.uint32)
        tids.append(np.array(short, dtype=np.int64))
        hashes.append(sh)
    if not tids:
        return np.zeros(0, np.int64), np.zeros(0, np.uint32)
    return np.concatenate(tids), np.concatenate(hashes)


def hash_text(t: str) -> int:
    """A stable 32-bit hash of a (short) string, mixed like the shingle hashes."""
    codes = code_points(t).astype(np.uint64)
    g = np.uint64(len(t))
    with np.errstate(over="ignore"):
        for c in codes:
            g = g * _P + c
    return int(_fmix64(np.array([g], dtype=np.uint64))[0] >> np.uint64(32))





def reference_signatures(texts: Sequence[str], k: int = 3) -> np.ndarray:
    """(len(texts), NUM_PERM) uint32 one-permutation MinHash signatures (all EMPTY for empty texts)."""
    n = len(texts)
    sig = np.full((n, NUM_PERM), EMPTY, dtype=np.uint32)
    for start in range(0, n, _CHUNK):
        part = sig[start : start + _CHUNK]
        tid, h = shingle_hashes(texts[start : start + _CHUNK], k)
        if len(h) == 0:
            continue
        bins = (h >> np.uint32(32 - _BIN_BITS)).astype(np.int64)
        np.minimum.at(part.reshape(-1), tid * NUM_PERM + bins, h & _VAL_MASK)
        part[:] = densify(part)
    return sig


def densify(sig: np.ndarray) -> np.ndarray:
    """Fill empty bins from the next non-empty bin to the right (circular), with an offset per step."""
    empty = sig == EMPTY
    rows = np.flatnonzero(empty.any(axis=1) & ~empty.all(axis=1))
    if len(rows) == 0:
        return sig
    s = sig[rows]
    e = empty[rows]
    K = sig.shape[1]
    col = np.arange(2 * K)
    idx = np.where(np.concatenate([~e, ~e], axis=1), col, 4 * K)
    nxt = np.minimum.accumulate(idx[:, ::-1], axis=1)[:, ::-1][:, :K]  # next valid column >= j
    src = nxt % K
    dist = (nxt - np.arange(K)).astype(np.uint32)
    filled = np.take_along_axis(s, src, axis=1)
    with np.errstate(over="ignore"):
        filled = (filled + dist * _STEP) & _VAL_MASK
    sig[rows] = np.where(e, filled, s)
    return sig


