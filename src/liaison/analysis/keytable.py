"""A compact map from 64-bit keys to 32-bit values: open addressing over two numpy arrays.

Used by ``NearDuplicateIndex`` to remember, per LSH band key, the latest distinct text that had
it (millions of keys at a million opinions). A Python dict costs ~100 bytes an entry (key and
value objects); this costs 12 bytes a slot, filled to at most 70%. Key 0 marks an empty
slot, so a key that is 0 is stored as 1 (the callers verify what they find).
"""

from __future__ import annotations

import numpy as np

__all__ = ["KeyTable"]

_MUL = np.uint64(0x9E3779B97F4A7C15)
_MIN_CAP = 1 << 10


def _nonzero(keys: np.ndarray) -> np.ndarray:
    k = np.asarray(keys, dtype=np.uint64)
    return np.where(k == 0, np.uint64(1), k)


class KeyTable:
    """``swap`` of a few keys at once: the latest value of a key wins; filled to at most 70%."""

    def __init__(self, keys: np.ndarray | None = None, vals: np.ndarray | None = None):
        """An empty table, or the arrays of another one (``arrays()``, e.g. read from a file)."""
        if keys is None or vals is None:
            keys, vals = np.zeros(_MIN_CAP, np.uint64), np.zeros(_MIN_CAP, np.int32)
        self._keys = keys
        self._vals = vals
        self._shift = np.uint64(64 - int(len(keys)).bit_length() + 1)
        self._mask = len(keys) - 1
        self._n = int(np.count_nonzero(keys))

    def __len__(self) -> int:
        return self._n

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        return self._keys, self._vals

    def _home(self, keys: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):
            return ((keys * _MUL) >> self._shift).astype(np.int64)

    def swap(self, keys: np.ndarray, value: int) -> list[int]:
        """Set every key to ``value``; returns each key's previous value (-1 where absent).

        One probe sequence per key, in Python: a handful of keys per call, where numpy's
        per-call overhead cost more than the probing.
        """
        k = _nonzero(keys)
        if 10 * (self._n + len(k)) > 7 * len(self._keys):
            self._resize(2 * len(self._keys))
        # memoryviews: their items are Python ints, without numpy's scalar objects (half the time)
        table, vals, mask = memoryview(self._keys), memoryview(self._vals), self._mask
        out = []
        for key, pos in zip(k.tolist(), self._home(k).tolist()):
            while True:
                at = table[pos]
                if at == key:
                    out.append(vals[pos])
                    break
                if at == 0:
                    table[pos] = key
                    self._n += 1
                    out.append(-1)
                    break
                pos = (pos + 1) & mask
            vals[pos] = value
        return out

    @classmethod
    def of_pairs(cls, keys: np.ndarray, vals: np.ndarray) -> KeyTable:
        """A table of ``keys[i] → vals[i]``, a later pair winning over an earlier one of the same key."""
        k = _nonzero(keys)
        last = len(k) - 1 - np.unique(k[::-1], return_index=True)[1]
        cap = _MIN_CAP
        while 10 * len(last) > 7 * cap:
            cap *= 2
        self = cls()
        self._resize(cap)
        self._place(k[last], np.asarray(vals)[last].astype(np.int32))
        self._n = len(last)
        return self

    def _resize(self, cap: int) -> None:
        used = np.flatnonzero(self._keys)
        keys, vals = self._keys[used], self._vals[used]
        self._keys = np.zeros(cap, np.uint64)
        self._vals = np.zeros(cap, np.int32)
        self._shift = np.uint64(64 - cap.bit_length() + 1)
        self._mask = cap - 1
        self._n = len(keys)
        self._place(keys, vals)

    def _place(self, keys: np.ndarray, vals: np.ndarray) -> None:
        """Insert distinct keys that are not in the table yet, vectorised (for a resize)."""
        pos = self._home(keys)
        todo = np.arange(len(keys))
        while len(todo):
            free = self._keys[pos[todo]] == 0
            # of the keys that reach the same free slot, the first takes it
            cand = todo[free]
            _, first = np.unique(pos[cand], return_index=True)
            won = cand[first]
            self._keys[pos[won]] = keys[won]
            self._vals[pos[won]] = vals[won]
            placed = np.zeros(len(keys), dtype=bool)
            placed[won] = True
            todo = todo[~placed[todo]]
            pos[todo] = (pos[todo] + 1) & self._mask
