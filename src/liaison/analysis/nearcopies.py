"""What ``NearDuplicateIndex`` keeps of every distinct text for the near-copy rule of ``cluster_texts``.

The rule: a text may not join a cluster that holds an earlier near-copy of it (at least
``_NEAR_EQUAL`` of 64 MinHash slots equal) with another proposal fingerprint, when the two
conflict under the strict test. Batch clustering finds the near-copies through the LSH band
buckets (the latest earlier text per band). The index did not keep texts that joined a cluster
with a fingerprint the cluster already had, so "反对" put before a copy of such a text passed.

Here every distinct text with a signature is a *node* (numbered in order of arrival). Per
band key (``NEAR_BANDS``: all 16 bands), a :class:`KeyTable` holds the latest node that had
it. A node is either a representative (its data are the index's) or a *follower*, of which
numpy arrays keep the cluster, the fingerprint, 16 bits of each signature slot (enough to count
equal slots: two different 32-bit values share their low 16 bits once in 65,536) and the
clause-broken normalised text (UTF-16 in one byte buffer), from which its proposal is made again
when a check needs it.
"""

from __future__ import annotations

import numpy as np

from liaison.analysis.keytable import KeyTable
from liaison.analysis.minhash import NUM_PERM

__all__ = ["NEAR_BANDS", "NearCopies", "grown"]

# band keys looked up for near-copies: all 16, as in batch, which links each text to the latest
# earlier text of each band. With the first 8 only, 71 % of batch's 25,936 links at a million were
# found (the latest text of a band is often another copy), with 12, 88 %.
NEAR_BANDS = 16
_ENC = "utf-16-le"  # two bytes a character for Chinese (UTF-8 takes three)


def _room(n: int) -> int:
    return n + max(1024, n // 8)


def grown(a: np.ndarray, size: int) -> np.ndarray:
    """``a`` in an array of ``size`` rows (the rows past ``len(a)`` uninitialised)."""
    out = np.empty((size, *a.shape[1:]), dtype=a.dtype)
    out[: len(a)] = a
    return out


class NearCopies:
    """Nodes, followers and the band-key table; see the module docstring."""

    def __init__(self) -> None:
        self.table = KeyTable()
        self._nodes = 0
        self._where = np.empty(1024, np.int32)  # per node: follower index ≥ 0, or -(slot + 1) for a representative
        self._count = 0  # followers
        self._slot = np.empty(1024, np.int32)  # per follower: its cluster's representative slot
        self._guard = np.empty(1024, np.uint64)
        self._sig16 = np.empty((1024, NUM_PERM), np.uint16)
        self._off = np.zeros(1025, np.int64)  # text k is _text[_off[k]:_off[k + 1]]
        self._text = bytearray()

    @property
    def nodes(self) -> int:
        return self._nodes

    def link(self, keys: np.ndarray) -> list[int]:
        """Make the next node the latest of its band keys; returns the earlier nodes it displaced."""
        node = self._nodes
        earlier = {v for v in self.table.swap(keys[:NEAR_BANDS], node) if v >= 0 and v != node}
        return sorted(earlier)

    def add_representative(self, slot: int) -> None:
        self._push(-(slot + 1))

    def add_follower(self, slot: int, guard: int, sig: np.ndarray, broken: str) -> None:
        k = self._count
        if k >= len(self._slot):
            size = 2 * len(self._slot)
            self._slot, self._guard, self._sig16 = (grown(a, size) for a in (self._slot, self._guard, self._sig16))
            self._off = grown(self._off, size + 1)
        self._slot[k] = slot
        self._guard[k] = guard
        self._sig16[k] = sig.astype(np.uint16)
        self._text += broken.encode(_ENC)
        self._off[k + 1] = len(self._text)
        self._count = k + 1
        self._push(k)

    def _push(self, where: int) -> None:
        if self._nodes >= len(self._where):
            self._where = grown(self._where, 2 * len(self._where))
        self._where[self._nodes] = where
        self._nodes += 1

    def near(
        self, nodes: list[int], sig: np.ndarray, guard: int, rep_sig: np.ndarray, rep_guard: np.ndarray, min_equal: int
    ) -> list[tuple[int, int]]:
        """(node, cluster slot) of the ``nodes`` with another fingerprint than ``guard`` and at least
        ``min_equal`` signature slots equal to ``sig`` (``rep_*``: the representatives' arrays)."""
        out: list[tuple[int, int]] = []
        if not nodes:
            return out
        # most earlier nodes of a text have its fingerprint (copies of one campaign): that test comes
        # first, on memoryviews (Python ints, no numpy scalars); signatures are compared only after it
        where, fguard, fslot, rguard = (memoryview(a) for a in (self._where, self._guard, self._slot, rep_guard))
        low: np.ndarray | None = None
        for node in nodes:
            w = where[node]
            if w >= 0:
                if fguard[w] == guard:
                    continue
                if low is None:
                    low = sig.astype(np.uint16)
                if np.count_nonzero(self._sig16[w] == low) >= min_equal:
                    out.append((node, fslot[w]))
            else:
                slot = -w - 1
                if rguard[slot] != guard and np.count_nonzero(rep_sig[slot] == sig) >= min_equal:
                    out.append((node, slot))
        return out

    def follower_text(self, node: int) -> str | None:
        """The clause-broken text of a follower node (None for a representative)."""
        w = int(self._where[node])
        if w < 0:
            return None
        return bytes(self._text[self._off[w] : self._off[w + 1]]).decode(_ENC)

    def representative_slot(self, node: int) -> int | None:
        w = int(self._where[node])
        return -w - 1 if w < 0 else None

    # persistence -----------------------------------------------------------------
    def arrays(self) -> dict[str, np.ndarray]:
        keys, vals = self.table.arrays()
        k = self._count
        return {
            "near_keys": keys,
            "near_vals": vals,
            "near_where": self._where[: self._nodes],
            "follower_slot": self._slot[:k],
            "follower_guard": self._guard[:k],
            "follower_sig16": self._sig16[:k],
            "follower_off": self._off[: k + 1],
            "follower_text": np.frombuffer(bytes(self._text), dtype=np.uint8),
        }

    @classmethod
    def from_arrays(cls, z: dict[str, np.ndarray]) -> NearCopies:
        """The inverse of ``arrays`` (the arrays are taken over, with room for an eighth more)."""
        self = cls()
        self.table = KeyTable(z["near_keys"], z["near_vals"])
        self._nodes = len(z["near_where"])
        self._where = grown(z["near_where"], _room(self._nodes))
        k = self._count = len(z["follower_slot"])
        self._slot = grown(z["follower_slot"], _room(k))
        self._guard = grown(z["follower_guard"], _room(k))
        self._sig16 = grown(z["follower_sig16"], _room(k))
        self._off = grown(z["follower_off"], _room(k) + 1)
        self._text = bytearray(memoryview(z["follower_text"]))
        return self

    @classmethod
    def of_representatives(cls, keys: np.ndarray, slots: np.ndarray) -> NearCopies:
        """The nodes of an index file saved without them (before this rule): its representatives
        with a signature (``keys``: their band keys, in order of arrival), no followers."""
        self = cls()
        n = len(slots)
        nb = min(NEAR_BANDS, keys.shape[1]) if n else 0
        self.table = KeyTable.of_pairs(keys[:, :nb].ravel(), np.repeat(np.arange(n), nb))
        self._where = grown((-(np.asarray(slots) + 1)).astype(np.int32), _room(n))
        self._nodes = n
        return self
