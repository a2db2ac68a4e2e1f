"""Masking text that an opinion copies verbatim from the draft.

Two opinions that each quote a long stretch of the same article look alike to
any shingle-based similarity, even when what they *say* about it differs
("……不得超过一点五米。建议改为两米" vs "……不得超过一点五米。建议删除"). Before
near-duplicate detection every span of at least ``min_len`` characters that
also occurs in the draft is removed.

How: every ``min_len``-character window of the draft's canonical text (NFKC,
no punctuation or whitespace, see :func:`liaison.analysis.normalize.canonical`)
is hashed with a polynomial hash into a sorted ``uint64`` array; an opinion's
windows are hashed the same way (vectorised over all its positions), looked up
with ``searchsorted``, and every position covered by a matching window is
dropped. Each draft window also remembers which article it came from, so the
caller can tell *which* articles an opinion quoted (:meth:`DraftMask.quoted`).

Pure domain code: numpy only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from liaison.analysis.normalize import canonical_many, code_points

__all__ = ["DraftMask", "window_hashes"]

_P = np.uint64(0x100000001B3)  # FNV prime as the polynomial base
_AMBIGUOUS = -1
_CHUNK = 8192
_FILTER_BITS = 20  # a 1 MiB bitmap: a draft of 100,000 windows lets ~10 % of misses through


def window_hashes(codes: np.ndarray, n: int) -> np.ndarray:
    """Polynomial hash (mod 2**64) of every ``n``-long window of ``codes``; length ``len(codes) - n + 1``."""
    m = len(codes) - n + 1
    if m <= 0:
        return np.zeros(0, dtype=np.uint64)
    c = codes.astype(np.uint64)
    h = c[:m].copy()
    with np.errstate(over="ignore"):
        for j in range(1, n):
            h *= _P
            h += c[j : j + m]
    return h


class DraftMask:
    """The set of ``min_len``-grams of a draft; ``mask`` removes them from opinion text."""

    def __init__(self, hashes: np.ndarray, articles: np.ndarray, min_len: int):
        self.hashes = hashes  # sorted unique uint64
        self.articles = articles  # int32 article index per hash (-1: in several articles)
        self.min_len = min_len

    @classmethod
    def from_texts(cls, article_texts: Iterable[str], min_len: int = 8) -> DraftMask:
        """Build from the draft's article texts (article index = position in the iterable)."""
        if min_len < 2:
            raise ValueError("min_len must be at least 2")
        texts = list(article_texts)
        hs: list[np.ndarray] = []
        ids: list[np.ndarray] = []
        for i, t in enumerate(canonical_many(texts) if texts else []):
            h = np.unique(window_hashes(code_points(t), min_len))
            hs.append(h)
            ids.append(np.full(len(h), i, dtype=np.int32))
        if not hs:
            return cls(np.zeros(0, np.uint64), np.zeros(0, np.int32), min_len)
        h = np.concatenate(hs)
        a = np.concatenate(ids)
        order = np.argsort(h, kind="stable")
        h, a = h[order], a[order]
        first = np.ones(len(h), dtype=bool)
        first[1:] = h[1:] != h[:-1]
        starts = np.flatnonzero(first)
        uh = h[starts]
        ua = a[starts]
        # a window found in more than one article cannot tell which was quoted
        ends = np.append(starts[1:], len(h))
        multi = np.maximum.reduceat(a, starts) != np.minimum.reduceat(a, starts) if len(h) else np.zeros(0, bool)
        ua = np.where((ends - starts > 1) & multi, _AMBIGUOUS, ua).astype(np.int32)
        return cls(uh, ua, min_len)

    @classmethod
    def empty(cls) -> DraftMask:
        return cls.from_texts(())

    def __len__(self) -> int:
        return len(self.hashes)

    def _filter(self) -> np.ndarray:
        """A bitmap over the low ``_FILTER_BITS`` bits of the draft's window hashes (built once)."""
        f = self.__dict__.get("_bitmap")
        if f is None:
            f = np.zeros(1 << _FILTER_BITS, dtype=bool)
            f[(self.hashes & np.uint64((1 << _FILTER_BITS) - 1)).astype(np.int64)] = True
            self.__dict__["_bitmap"] = f
        return f

    def _hits(self, codes: np.ndarray) -> np.ndarray:
        """Index into ``self.hashes`` for each window start of ``codes``, or -1.

        Nearly every opinion window misses the draft: a bitmap on the low hash bits rules most
        out with one table lookup, and only the rest are looked up with ``searchsorted``
        (a binary search for each of tens of millions of windows cost more than hashing them).
        """
        wh = window_hashes(codes, self.min_len)
        out = np.full(len(wh), -1, dtype=np.int64)
        if len(self.hashes) == 0 or len(wh) == 0:
            return out
        maybe = np.flatnonzero(self._filter()[wh & np.uint64((1 << _FILTER_BITS) - 1)])
        if len(maybe):
            w = wh[maybe]
            pos = np.minimum(np.searchsorted(self.hashes, w), len(self.hashes) - 1)
            out[maybe] = np.where(self.hashes[pos] == w, pos, -1)
        return out

    def keep_mask(self, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(keep, hits): ``keep[i]`` is False where position i lies in a copied span."""
        n = len(codes)
        hits = self._hits(codes)
        keep = np.ones(n, dtype=bool)
        starts = np.flatnonzero(hits >= 0)
        if len(starts):
            diff = np.zeros(n + 1, dtype=np.int32)
            np.add.at(diff, starts, 1)
            np.add.at(diff, starts + self.min_len, -1)
            keep = np.cumsum(diff[:n]) == 0
        return keep, hits

    def mask(self, normalised_text: str) -> str:
        """``normalised_text`` without the spans it copies from the draft."""
        if not normalised_text or len(self.hashes) == 0:
            return normalised_text
        codes = code_points(normalised_text)
        keep, _ = self.keep_mask(codes)
        return codes[keep].tobytes().decode("utf-32-le", "surrogatepass")

    def quoted(self, normalised_text: str) -> set[int]:
        """Indexes of the articles (in ``from_texts`` order) that the text quotes unambiguously."""
        if not normalised_text or len(self.hashes) == 0:
            return set()
        hits = self._hits(code_points(normalised_text))
        arts = self.articles[hits[hits >= 0]]
        return set(arts[arts >= 0].tolist())

    def mask_many(self, normalised: Sequence[str]) -> tuple[list[str], list[frozenset[int]]]:
        """``mask`` and ``quoted`` for many texts, vectorised over chunks of ``_CHUNK`` texts.

        Chunks keep the hash arrays small enough to be reused: one pass over a third of a
        million texts made 200 MB arrays, and first-touch page faults cost more than the hashing.
        """
        if len(self.hashes) == 0 or not normalised:
            return list(normalised), [frozenset()] * len(normalised)
        masked: list[str] = []
        quoted: list[frozenset[int]] = []
        for i in range(0, len(normalised), _CHUNK):
            m, q = self._mask_chunk(normalised[i : i + _CHUNK])
            masked.extend(m)
            quoted.extend(q)
        return masked, quoted

    def _mask_chunk(self, normalised: Sequence[str]) -> tuple[list[str], list[frozenset[int]]]:
        big = "\n".join(normalised)
        codes = code_points(big)
        keep, hits = self.keep_mask(codes)
        masked = codes[keep].tobytes().decode("utf-32-le", "surrogatepass").split("\n")
        quoted: list[frozenset[int]] = [frozenset()] * len(normalised)
        hp = np.flatnonzero(hits >= 0)
        if len(hp):
            arts = self.articles[hits[hp]]
            ok = arts >= 0
            hp, arts = hp[ok], arts[ok]
            seps = np.flatnonzero(codes == 0x0A)
            tid = np.searchsorted(seps, hp)
            pairs = np.unique(tid.astype(np.int64) * (1 << 31) + arts)
            t_of = (pairs >> 31).tolist()
            a_of = (pairs & ((1 << 31) - 1)).tolist()
            acc: dict[int, set[int]] = {}
            for t, a in zip(t_of, a_of):
                acc.setdefault(t, set()).add(a)
            for t, s in acc.items():
                quoted[t] = frozenset(s)
        return masked, quoted
