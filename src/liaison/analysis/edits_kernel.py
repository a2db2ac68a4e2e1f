"""The compiled core of :func:`liaison.analysis.verify.conflict` (numba).

``conflict(a, b)`` decides, for two similar texts whose numbers or negations differ, whether
each side's differing numbers and negation/support words are *edits* of wording both share,
and whether the two sides' edits are the same multiset. In Python its character loops and
3-gram substring tests cost 20–70 µs a call, and the ordered pass of ``cluster_texts`` makes
~190,000 calls at a million opinions. Here texts are arrays of code points, the other text's
3-grams an open-addressing set of 63-bit keys, both directions and the comparison run in one
call of a few microseconds.

The rules, for a token (number, or negation/support word) of ``x`` not shared with the other
text ``y`` (a position is shared when a 3-gram of ``x`` covering it occurs in ``y``; a token
only through 3-grams inside its clause, so "全|不" met by chance in another clause of ``y``
does not make 不 look shared): it is an edit when it is close to shared text within its
clause — at most ``left_max`` unshared characters before it, and after it at most
``left_max`` (a number) or ``attached`` (a word) — 1.5米→2米, 应当→不应当一律禁止; one that
starts or ends a longer unshared stretch belongs to an added remark and does not count. A
word's edit is keyed by what follows it (the next two characters, the clause end ``|`` or the
text end ``$``). Strict (``min_shared`` > 3, for members other than a cluster's
representative): only runs of at least ``min_shared`` shared characters count as shared (a
lone 3-gram met by chance does not), and a token preceded by unshared characters back to the
start of its clause is no edit (two different remarks that end alike).

``tests/analysis/edits_reference.py`` states the same rules in plain Python (the
implementation this replaced); ``tests/analysis/test_edits_kernel.py`` checks that both agree.

Compiled on first use and cached on disk next to this file (``cache=True``): a new install
pays about two seconds once; later processes load it in ~0.1 s. numba is imported only here,
when a conflict is first checked, so commands that never check one do not load it.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["A_EMPTY", "SAME", "compare_edits"]

A_EMPTY = 1  # bit of compare_edits' result: x has no edits
SAME = 2  # bit of compare_edits' result: x's and y's edits are the same multiset

_BREAK = 0x7C  # "|": a clause break in a normalised text
_END = 0x24  # "$": stands for the end of the text in a word's key
_GOLDEN = np.int64(0x9E3779B97F4A7C15 - (1 << 64))  # 2**64 / golden ratio, as a signed 64-bit value
# columns of a token table row (``Proposal.arrays``)
_START, _STOP, _NUMBER, _KIND = 0, 1, 2, 3


@njit(cache=True, nogil=True)
def _gram(t: np.ndarray, i: int) -> np.int64:
    """Three code points (21 bits each) as one non-negative key."""
    return (np.int64(t[i]) << 42) | (np.int64(t[i + 1]) << 21) | np.int64(t[i + 2])


@njit(cache=True, nogil=True)
def _slot(key: np.int64, bits: int) -> np.int64:
    """Fibonacci hashing of a 3-gram key into a table of ``2**bits`` slots (signed arithmetic
    wraps like unsigned; the mask drops the sign bits an arithmetic shift brings in)."""
    return ((key * _GOLDEN) >> (64 - bits)) & ((np.int64(1) << bits) - 1)


@njit(cache=True, nogil=True)
def _hits(x: np.ndarray, other: np.ndarray) -> np.ndarray:
    """hit[i]: the 3-gram of ``x`` at ``i`` occurs in ``other`` (an open-addressing set of
    ``other``'s 3-grams; a sort and a binary search per position were most of a call)."""
    n = x.shape[0]
    m = other.shape[0]
    nh = max(n - 2, 0)
    hit = np.zeros(nh, dtype=np.bool_)
    if m < 3 or nh == 0:
        return hit
    bits = 4
    while (1 << bits) < 2 * m:
        bits += 1
    mask = (1 << bits) - 1
    table = np.full(1 << bits, -1, dtype=np.int64)
    for i in range(m - 2):
        key = _gram(other, i)
        slot = _slot(key, bits)
        while table[slot] != -1 and table[slot] != key:
            slot = (slot + 1) & mask
        table[slot] = key
    for i in range(nh):
        key = _gram(x, i)
        slot = _slot(key, bits)
        while table[slot] != -1:
            if table[slot] == key:
                hit[i] = True
                break
            slot = (slot + 1) & mask
    return hit


@njit(cache=True, nogil=True)
def _edits(
    x: np.ndarray, tokens: np.ndarray, other: np.ndarray, min_shared: int, left_max: int, attached: int
) -> np.ndarray:
    """The edits of ``x`` against ``other``: one row (kind hash, target key) per token that counts
    (target key -1 for a number; for a word, its target string's length and code points)."""
    n = x.shape[0]
    k_tokens = tokens.shape[0]
    out = np.empty((k_tokens, 2), dtype=np.int64)
    found = 0
    if k_tokens == 0:
        return out[:0]
    strict = min_shared > 3
    hit = _hits(x, other)
    nh = hit.shape[0]
    cov = np.zeros(n, dtype=np.bool_)  # covered by a shared 3-gram (strict: by a long enough run)
    if strict:
        i = 0
        while i < nh:
            if hit[i]:
                j = i
                while j < nh and hit[j]:
                    j += 1
                # 3-grams i..j-1 cover characters i..j+1; a run that reaches either end counts
                if j - i + 2 >= min_shared or i == 0 or j == nh:
                    for p in range(i, min(j + 2, n)):
                        cov[p] = True
                i = j
            else:
                i += 1
    else:
        for i in range(nh):
            if hit[i]:
                cov[i] = True
                cov[i + 1] = True
                cov[i + 2] = True
    for k in range(k_tokens):
        st = tokens[k, _START]
        en = tokens[k, _STOP]
        shared = True
        for p in range(st, en):
            if strict:
                ok = cov[p]
            else:  # only 3-grams inside the token's clause count
                ok = False
                for i in range(p - 2, p + 1):
                    if 0 <= i < nh and hit[i] and x[i] != _BREAK and x[i + 1] != _BREAK and x[i + 2] != _BREAK:
                        ok = True
                        break
            if not ok:
                shared = False
                break
        if shared:
            continue
        # unshared characters between the token and the shared text next to it
        lo = st
        stop = st - left_max - 1  # further left changes nothing: the token is then not attached
        while lo > 0 and lo > stop and x[lo - 1] != _BREAK and not cov[lo - 1]:
            lo -= 1
        left = st - lo
        if left > left_max:  # not attached on the left: the tail of an added remark
            continue
        if strict and left > 0 and (lo == 0 or x[lo - 1] == _BREAK):
            continue  # an unshared start of a clause: a different remark, not an edit of shared wording
        hi = en
        while hi < n and x[hi] != _BREAK and not cov[hi]:
            hi += 1
        if hi < n and x[hi] == _BREAK:
            # the clause ends here: attached if nothing unshared follows the token
            right = 0 if hi == en else n
            target = (np.int64(1) << 50) | _BREAK
        elif hi < n:
            right = hi - en
            if hi + 1 < n:
                target = (np.int64(2) << 50) | (np.int64(x[hi]) << 21) | np.int64(x[hi + 1])
            else:
                target = (np.int64(1) << 50) | np.int64(x[hi])
        else:  # the text ends in this difference: an edit only if the whole difference is short
            limit = attached + 2 if strict else attached + 4
            right = 0 if hi - lo <= limit else n
            target = (np.int64(1) << 50) | _END
        if tokens[k, _NUMBER]:
            if right > left_max:
                continue
            target = -1
        elif right > attached:  # a negation or support word bears on what follows it
            continue
        out[found, 0] = tokens[k, _KIND]
        out[found, 1] = target
        found += 1
    return out[:found]


@njit(cache=True, nogil=True)
def _same_multiset(a: np.ndarray, b: np.ndarray) -> bool:
    if a.shape[0] != b.shape[0]:
        return False
    used = np.zeros(b.shape[0], dtype=np.bool_)
    for i in range(a.shape[0]):
        match = False
        for j in range(b.shape[0]):
            if not used[j] and a[i, 0] == b[j, 0] and a[i, 1] == b[j, 1]:
                used[j] = True
                match = True
                break
        if not match:
            return False
    return True


@njit(cache=True, nogil=True)
def compare_edits(
    x: np.ndarray,
    x_tokens: np.ndarray,
    y: np.ndarray,
    y_tokens: np.ndarray,
    min_shared: int,
    left_max: int,
    attached: int,
) -> int:
    """:data:`A_EMPTY` | :data:`SAME` bits: whether ``x`` has no edits against ``y``, and whether
    both sides' edits are equal multisets. Token tables are ``Proposal.arrays()``' second item."""
    ex = _edits(x, x_tokens, y, min_shared, left_max, attached)
    ey = _edits(y, y_tokens, x, min_shared, left_max, attached)
    code = 0
    if ex.shape[0] == 0:
        code |= A_EMPTY
    if _same_multiset(ex, ey):
        code |= SAME
    return code
