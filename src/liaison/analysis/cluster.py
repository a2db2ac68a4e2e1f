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

import gc
import hashlib
import mmap
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from liaison.analysis.draftmask import DraftMask
from liaison.analysis.jaccard import SURE, exact_alike
from liaison.analysis.jaccard import grams as gram_set_of
from liaison.analysis.minhash import EMPTY, NUM_PERM, _fmix64, band_keys, load_signature_kernel, signatures
from liaison.analysis.nearcopies import NearCopies, grown
from liaison.analysis.normalize import normalize_many
from liaison.analysis.verify import (
    THRESHOLD,
    Proposal,
    conflict,
    from_table,
    load_conflict_kernel,
    proposal_table,
    proposals,
)

__all__ = ["BANDS", "ROWS", "NearDuplicateIndex", "cluster_texts"]

BANDS = 16
ROWS = 4
_MIN_EQUAL = int(np.ceil(THRESHOLD * NUM_PERM))
_FORMAT = 2  # 2: the members of other fingerprints are saved too (1 is still read)
_BUCKET_CAP = 32  # representatives remembered per LSH bucket in the incremental index
# members other than the representative are compared strictly: a number or negation is an edit only
# next to a shared run of this many characters (two different remarks often share a 3-gram by chance)
_MEMBER_SHARED = 8
# near-copies (one number or negation changed) are at least this alike; remark-added copies of a
# campaign text are less alike than that to each other
_NEAR_EQUAL = 56


def _digest(normalized: str) -> bytes:
    return hashlib.blake2b(normalized.encode("utf-8"), digest_size=16).digest()


def _keys(sig: np.ndarray) -> np.ndarray:
    """LSH band keys of signatures (rows)."""
    return band_keys(sig, BANDS, ROWS)


def _mixed(keys: np.ndarray, guard: np.ndarray) -> np.ndarray:
    """Band keys with each row's proposal fingerprint mixed in: texts of different fingerprints
    never share one."""
    with np.errstate(over="ignore"):
        return _fmix64(keys ^ (guard.astype(np.uint64)[:, None] * np.uint64(0xD6E8FEB86659FD93)))


def _features(
    texts: Sequence[str], mask: DraftMask, broken: Sequence[str] | None = None
) -> tuple[np.ndarray, list[Proposal], np.ndarray]:
    """(signatures, proposals, fingerprints) of normalised texts (``broken``: with clause breaks)."""
    masked, quoted = mask.mask_many(texts)
    sig = signatures(masked)
    props = proposals(masked, quoted, broken)
    guard = np.array([p.fingerprint() for p in props], dtype=np.uint64)
    return sig, props, guard


def _bucket_links(keys: np.ndarray, previous: bool = False) -> np.ndarray:
    """For each row (axis 1) and band (axis 0 of ``keys``), the earliest row with the same key
    (or, with ``previous``, the latest earlier one, -1 if none); returned as rows × bands.

    One pass per band with a hash table, compiled (:mod:`liaison.analysis.bucket_kernel`): there
    are 48 of these at every clustering, and sorting each band's keys took ~45 ms a band at
    330,000 distinct texts.
    """
    from liaison.analysis import bucket_kernel

    return bucket_kernel.bucket_links(np.ascontiguousarray(keys, dtype=np.uint64), previous)


def _first_in_bucket(keys: np.ndarray) -> np.ndarray:
    """For each row and band, the earliest row with the same key."""
    return _bucket_links(keys)


def _previous_in_bucket(keys: np.ndarray) -> np.ndarray:
    """For each row and band, the latest earlier row with the same key, or -1."""
    return _bucket_links(keys, previous=True)


_CONFLICT_COST = 4  # a candidate of another fingerprint (a conflict() check) against one of the same
_PARALLEL_MIN = 50_000  # below this many texts a second process costs more than it saves
# what a forked worker runs, and what it sends back of the result (inherited, not pickled)
_JOB: tuple[Callable[[int, int], object], Callable[[object], object]] | None = None


def _run_job(start: int, stop: int) -> object:
    assert _JOB is not None
    fn, send = _JOB
    return send(fn(start, stop))


def _same(result: object) -> object:
    return result


def _parallel(n: int, workers: int) -> bool:
    return workers >= 2 and n >= _PARALLEL_MIN and "fork" in multiprocessing.get_all_start_methods()


def _halves(
    fn: Callable[[int, int], object],
    n: int,
    workers: int,
    send: Callable[[object], object] = _same,
    meanwhile: Callable[[], object] | None = None,
) -> list[object]:
    """``[fn(0, n)]``, or ``[fn(0, mid), send(fn(mid, n))]`` with the second half in a forked process.
    ``meanwhile`` runs in this process after its own part, while the other's is still coming.

    The per-text steps (normalisation, masking, signatures, proposals) are independent per text;
    the worker inherits the inputs through ``fork`` (nothing is pickled on the way in) and sends
    back only its results (large numeric results go through :func:`_shared_empty` instead);
    ``send`` puts them in a form that pickles fast.
    """
    global _JOB
    if not _parallel(n, workers):
        result = [fn(0, n)]
        if meanwhile is not None:
            meanwhile()
        return result
    mid = n // 2
    _JOB = (fn, send)
    try:
        with multiprocessing.get_context("fork").Pool(1) as pool:
            second = pool.apply_async(_run_job, (mid, n))
            first = fn(0, mid)
            if meanwhile is not None:
                meanwhile()
            return [first, second.get()]
    finally:
        _JOB = None


def _shared_empty(shape: tuple[int, ...], dtype: type, shared: bool) -> np.ndarray:
    """An uninitialised array that a forked worker can fill in for the parent.

    With ``shared``, anonymous shared memory (``mmap(-1, …)`` is ``MAP_SHARED``): what the worker
    writes is the parent's without pickling — at a million opinions the signatures and band keys
    are 250 MB, and sending them back through a pipe cost seconds.
    """
    dt = np.dtype(dtype)
    count = int(np.prod(shape))
    if not shared:
        return np.empty(shape, dt)
    buf = mmap.mmap(-1, max(1, count * dt.itemsize))
    return np.frombuffer(buf, dtype=dt, count=count).reshape(shape)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while clustering: what the pass allocates (proposal rows,
    lists, dicts) lives until it ends and holds no cycles, so each full collection walked a growing
    heap for nothing — about 2 s of CPU in each process at a million opinions."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _load_kernels() -> None:
    """Load the compiled kernels batch clustering uses (numba's import and cached machine code)."""
    load_signature_kernel()
    load_conflict_kernel()
    _bucket_links(np.zeros((1, 1), dtype=np.uint64))


def _default_workers() -> int:
    return min(2, os.cpu_count() or 1)


def cluster_texts(
    texts: Sequence[str], *, draft_texts: Sequence[str] = (), workers: int | None = None
) -> list[int]:
    """For every text, the position of its cluster's representative (its earliest member).

    ``workers``: processes for the per-text steps (default: 2 when the machine has 2 cores and
    there are at least 50,000 texts; the result does not depend on it).
    """
    with _gc_paused():
        return _cluster_texts(texts, draft_texts, workers)


def _cluster_texts(texts: Sequence[str], draft_texts: Sequence[str], workers: int | None) -> list[int]:
    mask = DraftMask.from_texts(draft_texts)
    n = len(texts)
    w = _default_workers() if workers is None else workers
    # each half is normalised and reduced to its distinct texts where it runs: the worker sends
    # back a third of the strings (joined: one string pickles much faster than a list), and the
    # parent's dict sees distinct texts only (its own half's strings come with their hashes)
    glob: dict[str, int] = {}
    norm_u: list[str] = []
    broken_u: list[str] = []
    pos_u: list[int] = []
    exact: list[np.ndarray] = []
    # the compiled kernels load (~0.3 s) while the worker's half of the texts travels back: once,
    # before any later fork (each forked worker would load them again)
    halves = _halves(lambda a, b: _normalize_part(texts, a, b), n, w, send=_joined, meanwhile=_load_kernels)
    for part in halves:
        first, brk, pos, of = part  # type: ignore[misc]
        if isinstance(brk, str):  # from the worker
            plain, brk = brk.replace("|", "").split("\n"), brk.split("\n")
        else:
            plain = list(first)
        # a half's texts are distinct among themselves
        if not glob:  # the first half: all new, in order (its own dict is already text → index)
            glob = first
            norm_u, broken_u, pos_u = plain, brk, pos.tolist()
            exact.append(of)
            continue
        fresh = [k for k, t in enumerate(plain) if t not in glob]
        glob.update(zip([plain[k] for k in fresh], range(len(norm_u), len(norm_u) + len(fresh))))
        norm_u.extend([plain[k] for k in fresh])
        broken_u.extend([brk[k] for k in fresh])
        pos_u.extend(pos[fresh].tolist())
        to_glob = np.fromiter(map(glob.__getitem__, plain), dtype=np.int64, count=len(plain))
        exact.append(to_glob[of])
    del glob
    u_pos = np.array(pos_u, dtype=np.int64)
    rep_u = _cluster_unique(norm_u, mask, broken_u, workers=w)
    rep_pos = u_pos[rep_u]  # representative position for each distinct text
    return rep_pos[np.concatenate(exact)].tolist() if exact else []


def _normalize_part(
    texts: Sequence[str], a: int, b: int
) -> tuple[dict[str, int], list[str], np.ndarray, np.ndarray]:
    """Normalise ``texts[a:b]``: (its distinct plain texts, each with its index among them, in order;
    the same in clause-broken form; the position of each one's first occurrence; and for every text
    the index of its distinct text).

    Texts count as the same when their plain forms (breaks removed) are equal.
    """
    broken = normalize_many(texts[a:b], breaks=True)
    first: dict[str, int] = {}
    setdefault = first.setdefault
    of = np.fromiter((setdefault(t.replace("|", ""), len(first)) for t in broken), dtype=np.int64, count=len(broken))
    if len(of):
        top = np.maximum.accumulate(of)
        new = np.empty(len(of), dtype=bool)
        new[0] = True
        new[1:] = top[1:] > top[:-1]
        at = np.flatnonzero(new)
    else:
        at = np.zeros(0, dtype=np.int64)
    return first, [broken[i] for i in at.tolist()], at + a, of


def _joined(part: object) -> object:
    """A worker's ``_normalize_part`` as it travels: the broken texts joined by newlines (none
    occurs in a normalised text), the plain ones left out (the parent removes the breaks)."""
    _, broken, pos, of = part  # type: ignore[misc]
    return None, "\n".join(broken), pos, of


def _row_pairs(cands: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(row, candidate) of every distinct candidate ≥ 0 per row, ordered by row then candidate.

    Sorting each short row beats ``np.unique`` over all row·m + candidate codes (a hash of
    ten million values at a million opinions, ~2 s a call).
    """
    c = np.sort(cands, axis=1)
    keep = c >= 0
    keep[:, 1:] &= c[:, 1:] != c[:, :-1]
    return np.nonzero(keep)[0], c[keep]


class _Proposals:
    """The ``Proposal`` of text ``i`` (of the texts with a signature), made on first use.

    The ordered pass compares proposals only where fingerprints differ, a fraction of the
    texts; making all of them up front was two serial seconds at a million opinions.
    """

    def __init__(self, rows: list[tuple], row_of: np.ndarray, texts: Sequence[str], where: np.ndarray):
        self._rows = rows
        self._row_of = row_of
        self._texts = texts
        self._where = where
        self._made: dict[int, Proposal] = {}
        self._bags: dict[int, tuple] = {}  # per row: campaign copies share their multisets

    def __getitem__(self, i: int) -> Proposal:
        p = self._made.get(i)
        if p is None:
            j = int(self._where[i])
            k = int(self._row_of[j])
            row = self._rows[k]
            bag = self._bags.get(k)
            if bag is None:
                bag = self._bags[k] = from_table(row, "").bag()
            p = self._made[i] = from_table(row, self._texts[j], bag)
        return p


class _Masked:
    """The masked text of text ``i`` (of the texts with a signature), made on first use: only
    borderline pairs need it (for their exact 3-gram Jaccard). Most texts quote nothing of the
    draft (``changed`` False) and are their own masked text; masking one text costs ~0.1 ms."""

    def __init__(self, mask: DraftMask, texts: Sequence[str], where: np.ndarray, changed: np.ndarray):
        self._mask = mask
        self._texts = texts
        self._where = where
        self._changed = changed

    def __getitem__(self, i: int) -> str:
        t = self._texts[int(self._where[i])]
        return self._mask.mask(t) if self._changed[i] else t


def _equal_slots(s: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Equal signature slots of each pair ``(x[k], y[k])``, in slices: one pass over ten million
    pairs would make gigabyte temporaries that cost more in page faults than the comparison."""
    eq = np.empty(len(x), dtype=np.int16)
    step = 1 << 16
    for a in range(0, len(x), step):
        eq[a : a + step] = np.count_nonzero(s[x[a : a + step]] == s[y[a : a + step]], axis=1)
    return eq


def _near_pairs(s: np.ndarray, g: np.ndarray, plain: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(text, earlier text) pairs that share a band, differ in fingerprint and are near-copies."""
    ni, nc = _row_pairs(_previous_in_bucket(plain))
    keep = g[ni] != g[nc]
    ni, nc = ni[keep], nc[keep]
    keep = _equal_slots(s, ni, nc) >= _NEAR_EQUAL
    return ni[keep], nc[keep]


def _cluster_unique(
    texts: list[str], mask: DraftMask, broken: list[str] | None = None, workers: int = 1
) -> np.ndarray:
    """Leader clustering of distinct normalised texts; returns the representative index of each."""
    n = len(texts)
    rep = np.arange(n, dtype=np.int64)
    if n == 0:
        return rep
    shared = _parallel(n, workers)
    sig = _shared_empty((n, NUM_PERM), np.uint32, shared)
    guard = _shared_empty((n,), np.uint64, shared)
    plain = _shared_empty((BANDS, n), np.uint64, shared)  # LSH keys, one band per row
    mixed = _shared_empty((BANDS, n), np.uint64, shared)  # the same with the fingerprint mixed in
    changed = _shared_empty((n,), np.bool_, shared)  # masking removed a draft quotation

    def features(a: int, b: int) -> tuple[list[tuple], np.ndarray]:
        masked, quoted = mask.mask_many(texts[a:b])
        changed[a:b] = np.fromiter((len(x) != len(y) for x, y in zip(masked, texts[a:b])), dtype=bool, count=b - a)
        sg = sig[a:b] = signatures(masked)
        table, index = proposal_table(masked, quoted)
        g = guard[a:b] = np.array([table[k][4] for k in index], dtype=np.uint64)
        k = _keys(sg)
        plain[:, a:b] = k.T
        mixed[:, a:b] = _mixed(k, g).T
        return table, np.array(index, dtype=np.int64)

    parts = _halves(features, n, workers)
    rows: list[tuple] = []
    row_of: list[np.ndarray] = []
    for table, index in parts:  # type: ignore[misc]
        row_of.append(index + len(rows))
        rows.extend(table)
    del parts
    has = sig[:, 0] != EMPTY
    idx = np.flatnonzero(has)
    if len(idx) < 2:
        return rep
    if len(idx) < n:
        s, g, plain, mixed = sig[idx], guard[idx], plain[:, idx], mixed[:, idx]
    else:
        s, g = sig, guard
    src = broken if broken is not None else texts
    pr = _Proposals(rows, np.concatenate(row_of), src, idx)
    masked = _Masked(mask, texts, idx, changed[idx])
    m = len(idx)
    local = np.arange(m)
    # candidates: the earliest member of each bucket, among texts with the same fingerprint
    # (the common case) and among all texts (numbers or negations added, not changed);
    # near neighbours: for each band, the latest earlier text with the same key, kept when its
    # fingerprint differs and it is very similar. The bucket sorts are independent: the near
    # links and an eighth of the others run in a forked process beside the rest.
    par = _parallel(m, workers)
    firsts = _shared_empty((m, 2 * BANDS), np.int64, par)
    q = BANDS // 4

    def near_links() -> tuple[np.ndarray, np.ndarray]:
        firsts[:, :q] = _first_in_bucket(mixed[:q])
        return _near_pairs(s, g, plain)

    def the_rest() -> None:
        firsts[:, q:BANDS] = _first_in_bucket(mixed[q:])
        firsts[:, BANDS:] = _first_in_bucket(plain)

    if par:
        _, (ni, nc) = _both(the_rest, near_links)  # type: ignore[misc]
    else:
        the_rest()
        ni, nc = near_links()
    del mixed, plain

    def verified(a: int, b: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Candidate pairs of rows a..b-1 (each with an earlier text) similar enough to verify."""
        block = firsts[a:b]
        ri, rc = _row_pairs(np.where(block < local[a:b, None], block, -1))
        ri += a
        e = _equal_slots(s, ri, rc)
        ok = e >= _MIN_EQUAL
        return ri[ok], rc[ok], e[ok]

    parts = _halves(verified, m, workers)  # rows are independent: half of them in the forked process
    del firsts
    pi, pc, eq = (np.concatenate(col) for col in zip(*parts))  # type: ignore[call-overload]
    del parts
    gl = g.tolist()
    # the similar ones of another fingerprint are checked when a text joins a cluster they belong
    # to (a member that has the representative's fingerprint is not in ``members``, but its
    # near-copy with one number or negation changed finds it here)
    near: dict[int, list[int]] = {}
    for x, y in zip(ni.tolist(), nc.tolist()):
        near.setdefault(x, []).append(y)
    lrl = np.arange(m, dtype=np.int64)
    if par:
        # texts that share no verified candidate or near link never look at each other's clusters:
        # the pass runs on two sets of connected components at once, with the same result
        u, v = np.concatenate([pi, ni]), np.concatenate([pc, nc])
        # a candidate of another fingerprint costs a conflict() call: weigh it so
        cost = 1 + (_CONFLICT_COST - 1) * (g[u] != g[v])
        second = _split_components(m, u, v, np.bincount(u, weights=cost, minlength=m) + 1)
        in2 = second[pi]
        lo, hi = _both(
            lambda: _resolve(m, s, gl, pr, masked, pi[~in2], pc[~in2], eq[~in2], near),
            lambda: _resolve(m, s, gl, pr, masked, pi[in2], pc[in2], eq[in2], near),
        )
        lrl = np.where(second, hi, lo)  # type: ignore[call-overload]
    elif len(pi):
        lrl = _resolve(m, s, gl, pr, masked, pi, pc, eq, near)
    rep[idx] = idx[lrl]
    return rep


def _components(m: int, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Connected-component label (its smallest member) of each of ``m`` nodes joined by edges u–v."""
    label = np.arange(m, dtype=np.int64)
    if len(u) == 0:
        return label
    while True:
        lu, lv = label[u], label[v]
        low = np.minimum(lu, lv)
        before = label.copy()
        np.minimum.at(label, lu, low)
        np.minimum.at(label, lv, low)
        while True:  # pointer jumping: every node straight to its root
            nxt = label[label]
            if np.array_equal(nxt, label):
                break
            label = nxt
        if np.array_equal(label, before):
            return label


def _split_components(m: int, u: np.ndarray, v: np.ndarray, weight: np.ndarray | None = None) -> np.ndarray:
    """A boolean mask: whole components (largest first) holding about half the ``weight`` (the
    expected work per text; default one each).

    Balanced by texts alone, one process idled a second at a million: a text's work in the ordered
    pass grows with the candidates it tries, most with those that need a ``conflict()`` check.
    """
    label = _components(m, u, v)
    if weight is None:
        weight = np.ones(m)
    roots = np.unique(label)
    size = np.bincount(label, weights=weight, minlength=m)[roots]
    order = np.argsort(-size, kind="stable")
    pick = np.zeros(len(roots), dtype=bool)
    load = [0, 0]
    for k, sz in zip(order.tolist(), size[order].tolist()):
        side = 0 if load[0] <= load[1] else 1
        load[side] += sz
        pick[k] = side == 1
    return pick[np.searchsorted(roots, label)]


def _both(first: Callable[[], object], second: Callable[[], object]) -> tuple[object, object]:
    """``(first(), second())`` with ``second`` in a forked process (inputs inherited, not pickled)."""
    global _JOB
    _JOB = (lambda a, b: second(), _same)
    try:
        with multiprocessing.get_context("fork").Pool(1) as pool:
            other = pool.apply_async(_run_job, (0, 0))
            mine = first()
            return mine, other.get()
    finally:
        _JOB = None


def _resolve(
    m: int,
    s: np.ndarray,
    gl: list[int],
    pr: _Proposals | list[Proposal],
    masked: _Masked | list[str],
    pi: np.ndarray,
    pc: np.ndarray,
    eq: np.ndarray,
    near: dict[int, list[int]],
) -> np.ndarray:
    """The ordered pass: each text joins the earliest candidate cluster it verifies against.

    Per cluster, the first member of each distinct fingerprint (the representative's own
    included) is kept: a newcomer must not conflict with any of them that it is similar to, so
    two halves of a close-but-different pair never meet in a third opinion's cluster, whatever
    the order of arrival. What a newcomer of fingerprint ``f`` has to look at in cluster ``r``
    is kept per ``(f, r)`` and brought up to date with the members added since (campaign
    clusters collect hundreds of remark fingerprints; walking them all for every copy made the
    pass grow faster than the input).
    """
    # members[r]: [(fingerprint, member)], the first member of each fingerprint, in order of arrival
    members: dict[int, list[tuple[int, int]]] = {}
    member_fps: dict[int, set[int]] = {}
    # (f, r) → [members looked at, members to test for similarity (verdict unknown or conflict)]
    todo: dict[tuple[int, int], list] = {}
    strict: dict[tuple[int, int], bool] = {}  # (newcomer fingerprint, member ≠ representative) → conflict
    grams: dict[int, set[str]] = {}
    lrl = list(range(m))

    def gram_set(i: int) -> set[str]:
        gs = grams.get(i)
        if gs is None:
            gs = grams[i] = gram_set_of(masked[i])
        return gs

    def alike(it: int, r: int, e: int | None) -> bool:
        if e is None:
            e = int(np.count_nonzero(s[it] == s[r]))
        if e < _MIN_EQUAL:
            return False
        if e >= SURE:
            return True
        # a borderline estimate: the exact 3-gram Jaccard decides (liaison.analysis.jaccard)
        return exact_alike(gram_set(it), gram_set(r))

    def joins(it: int, r: int, e: int | None) -> bool:
        if not alike(it, r, e):
            return False
        f = gl[it]
        if f != gl[r]:
            if conflict(pr[it], pr[r]):
                return False
        mem = members.get(r)
        if mem:
            state = todo.get((f, r))
            if state is None:
                state = todo[(f, r)] = [0, []]
            pending: list[int] = state[1]
            for fj, j in mem[state[0] :]:
                if fj != f and strict.get((f, j)) is not False:
                    pending.append(j)
            state[0] = len(mem)
            if pending:
                close = np.count_nonzero(s[pending] == s[it], axis=1) >= _MIN_EQUAL
                if close.any():
                    for k in np.flatnonzero(close).tolist():
                        j = pending[k]
                        c = strict.get((f, j))
                        if c is None:
                            c = strict[(f, j)] = conflict(pr[it], pr[j], _MEMBER_SHARED)
                        if c:
                            return False
                    # the similar ones agree for good: look at them no more
                    state[1] = [j for j in pending if strict.get((f, j)) is not False]
        for j in near.get(it, ()):
            if lrl[j] == r:
                c = strict.get((f, j))
                if c is None:
                    c = strict[(f, j)] = conflict(pr[it], pr[j], _MEMBER_SHARED)
                if c:
                    return False
        fps = member_fps.get(r)
        if fps is None:
            fps = member_fps[r] = {gl[r]}
        if f not in fps:
            fps.add(f)
            members.setdefault(r, []).append((f, it))
        return True

    if len(pi):
        starts = np.flatnonzero(np.r_[True, pi[1:] != pi[:-1]])
        ends = np.r_[starts[1:], len(pi)]
        pcl = pc.tolist()
        eql = eq.tolist()
        for it, a, e in zip(pi[starts].tolist(), starts.tolist(), ends.tolist()):
            tried: set[int] = set()
            for k in range(a, e):
                c = pcl[k]
                r = lrl[c]
                if r in tried:
                    continue
                tried.add(r)
                if joins(it, r, eql[k] if r == c else None):
                    lrl[it] = r
                    break
    return np.array(lrl, dtype=np.int64)


class NearDuplicateIndex:
    """Incremental clustering: ``add(text)`` returns the position of the text's representative.

    Positions count every text added (0, 1, 2 …). The index keeps, per distinct
    normalised text, its 16-byte digest; per representative (numbered by slot, in
    order of arrival), its signature, fingerprint and proposal; one dict from LSH
    key to representative slots; the members of other fingerprints per cluster; the
    conflict verdicts between fingerprints and members; and, for batch's near-copy rule,
    every distinct text with a signature (:mod:`liaison.analysis.nearcopies`: the latest
    text per band key, and the cluster, fingerprint, signature and text of the ones that
    are not representatives, in numpy arrays). A newcomer joins the
    earliest candidate it verifies against as in ``cluster_texts``: a borderline
    estimate is confirmed by exact 3-gram Jaccard (:mod:`liaison.analysis.jaccard`).
    ``save``/``load`` write and read one ``.npz`` file (the dict is rebuilt on load).
    """

    _GRAMS_CACHED = 4096  # representatives' gram sets kept (~13 kB each at ~130 characters)

    def __init__(self, draft_texts: Sequence[str] = (), *, mask: DraftMask | None = None):
        self.mask = mask if mask is not None else DraftMask.from_texts(draft_texts)
        self._rep_of: list[int] = []
        self._exact: dict[bytes, int] = {}
        self._reps: list[int] = []
        self._sig = np.empty((1024, NUM_PERM), dtype=np.uint32)
        self._guard = np.empty(1024, dtype=np.uint64)
        self._props: list[Proposal] = []
        self._buckets: dict[int, int | list[int]] = {}  # LSH key → representative slot(s), in order
        # per representative slot: members whose fingerprint differs from the representative's and from
        # each other's — (fingerprint, proposal, signature); a newcomer must conflict with none of them
        self._members: dict[int, list[tuple[int, Proposal, np.ndarray]]] = {}
        self._verdict: dict[tuple[int, int, int], bool] = {}  # (fingerprint, slot, member) → conflict
        self._stacks: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # slot → (member guards, member sigs)
        self._masked: list[str | None] = []  # per slot: the representative's masked text (None: not yet)
        self._grams: dict[int, set[str]] = {}  # slot → 3-grams of the masked representative (bounded cache)
        # every distinct text with a signature, for the near-copy rule (see liaison.analysis.nearcopies)
        self._near = NearCopies()
        self._near_verdict: dict[tuple[int, int], bool] = {}  # (fingerprint, node) → strict conflict
        self._warm()

    def _warm(self) -> None:
        """Run the per-text steps once on a made-up text: the first ``add`` after a restart paid
        36 ms, and the first to quote the draft 9 ms, for lazily built tables — the normalisation
        tables, the draft mask's bitmap, numpy's first ``ufunc.at``, and ``conflict()``'s compiled
        part (loading it is ~0.4 s; the signature kernel loads in ``_features`` below)."""
        load_conflict_kernel()
        sample = "建议第十二条牵引绳不超过1.5米，不应禁止，支持。"
        broken = normalize_many([sample], breaks=True)[0]
        plain = broken.replace("|", "")
        for mask in (self.mask, DraftMask.from_texts([sample])):  # the second one is quoted: its paths too
            _features([plain], mask, [broken])
            mask.mask(plain)

    def __len__(self) -> int:
        return len(self._rep_of)

    @property
    def representatives(self) -> list[int]:
        return list(self._reps)

    def rep_of(self, position: int) -> int:
        return self._rep_of[position]

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
        key_row = _keys(sig)[0]
        earlier = self._near.link(key_row)
        keys = key_row.tolist()
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
        masked: str | None = None
        mine: set[str] | None = None
        copies: list[tuple[int, int]] | None = None
        if found:
            # slots are numbered in order of arrival: the earliest representative is tried first
            slots = np.sort(np.fromiter(found, dtype=np.int64, count=len(found)))
            eq = np.count_nonzero(self._sig[slots] == sig[0], axis=1)
            near = np.flatnonzero(eq >= _MIN_EQUAL)
            slots, eq = slots[near], eq[near]
            gd = self._guard[slots] == guard[0]
            for slot, e, same in zip(slots.tolist(), eq.tolist(), gd.tolist()):
                if e < SURE:  # a borderline estimate: the exact 3-gram Jaccard decides, as in batch
                    if mine is None:
                        masked = self.mask.mask(normalized)
                        mine = gram_set_of(masked)
                    if not exact_alike(mine, self._rep_grams(slot)):
                        continue
                if same or not conflict(prop, self._props[slot]):
                    if copies is None:
                        copies = self._near.near(earlier, sig[0], int(guard[0]), self._sig, self._guard, _NEAR_EQUAL)
                    if self._near_agree(slot, copies, int(guard[0]), prop) and self._members_agree(
                        slot, sig[0], int(guard[0]), prop, bool(same)
                    ):
                        c = self._reps[slot]
                        self._rep_of.append(c)
                        self._near.add_follower(slot, int(guard[0]), sig[0], broken)
                        return c
        return self._new_rep(pos, sig[0], guard[0], prop, keys, masked)

    def _rep_grams(self, slot: int) -> set[str]:
        """3-grams of a representative's masked text (cached for the ones asked last).

        The index saves the clause-broken normalised text only; masking it again with the same
        draft gives what ``add`` masked then (``load`` masks them all at once; a representative
        added since is masked when first needed, unless its own add masked it already).
        """
        cache = self._grams
        g = cache.get(slot)
        if g is None:
            if len(cache) >= self._GRAMS_CACHED:
                cache.clear()
            masked = self._masked[slot]
            if masked is None:
                masked = self._masked[slot] = self.mask.mask(self._props[slot].text.replace("|", ""))
            g = cache[slot] = gram_set_of(masked)
        return g

    def _near_agree(self, slot: int, near: list[tuple[int, int]], guard: int, prop: Proposal) -> bool:
        """The near-copy rule of ``cluster_texts``: no strict conflict with an earlier near-copy of
        another fingerprint in the cluster (``near``: from ``NearCopies.near``). It catches what the
        members do not: a text that joined with a fingerprint the cluster had is no member, and
        "反对" put before a copy of it passed the representative's (non-strict) test."""
        verdict = self._near_verdict
        for node, cluster in near:
            if cluster != slot:
                continue
            c = verdict.get((guard, node))
            if c is None:
                if len(verdict) > 1_000_000:
                    verdict.clear()
                c = verdict[(guard, node)] = conflict(prop, self._node_proposal(node), _MEMBER_SHARED)
            if c:
                return False
        return True

    def _node_proposal(self, node: int) -> Proposal:
        """The proposal of a near-copy node: a representative's is kept; a follower's is made again
        from its saved text as ``add`` made it (masked again; no signature: ~0.2 ms)."""
        slot = self._near.representative_slot(node)
        if slot is not None:
            return self._props[slot]
        broken = self._near.follower_text(node)
        assert broken is not None
        return self._saved_proposals([broken])[0][0]

    def _members_agree(self, slot: int, sig: np.ndarray, guard: int, prop: Proposal, same: bool) -> bool:
        """No conflict with the cluster's members of other fingerprints; remember a new fingerprint.

        The members' signatures are compared in one numpy call (a stacked array per
        cluster, rebuilt when a member is added): campaign clusters collect hundreds of
        remark variants, and one call per member cost ~10 ms at the p99.
        """
        mem = self._members.get(slot)
        known = same
        if mem:
            guards, stack = self._stacked(slot)
            if not known and bool(np.any(guards == np.uint64(guard))):
                known = True  # same numbers and negations as a member
            close = np.flatnonzero((np.count_nonzero(stack == sig, axis=1) >= _MIN_EQUAL) & (guards != np.uint64(guard)))
            verdict = self._verdict
            if len(verdict) > 1_000_000:
                verdict.clear()
            for k in close.tolist():
                c = verdict.get((guard, slot, k))
                if c is None:
                    c = verdict[(guard, slot, k)] = conflict(prop, mem[k][1], _MEMBER_SHARED)
                if c:
                    return False
        if not known:
            self._members.setdefault(slot, []).append((guard, prop, sig.copy()))
            self._stacks.pop(slot, None)
        return True

    def _stacked(self, slot: int) -> tuple[np.ndarray, np.ndarray]:
        cached = self._stacks.get(slot)
        if cached is None:
            mem = self._members[slot]
            cached = self._stacks[slot] = (
                np.array([g for g, _, _ in mem], dtype=np.uint64),
                np.stack([x for _, _, x in mem]),
            )
        return cached

    def _new_rep(
        self, pos: int, sig: np.ndarray, guard: np.uint64, prop: Proposal, keys: list[int] | None, masked: str | None = None
    ) -> int:
        slot = len(self._reps)
        if slot >= len(self._guard):
            size = 2 * len(self._guard)
            self._sig, self._guard = grown(self._sig, size), grown(self._guard, size)
        self._sig[slot] = sig
        self._guard[slot] = guard
        self._props.append(prop)
        self._masked.append(masked)
        self._reps.append(pos)
        self._rep_of.append(pos)
        if keys is not None:
            self._insert(keys, slot)
            self._near.add_representative(slot)
        return pos

    def _insert(self, keys: list[int], slot: int) -> None:
        b = self._buckets
        for k in keys:
            v = b.get(k)
            if v is None:
                b[k] = slot
            elif isinstance(v, int):
                b[k] = [v, slot]
            elif len(v) < _BUCKET_CAP:
                v.append(slot)

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
                member_slot=np.array([k for k, v in self._members.items() for _ in v], dtype=np.int64),
                member_guard=np.array([g for v in self._members.values() for g, _, _ in v], dtype=np.uint64),
                member_text=np.array([p.text for v in self._members.values() for _, p, _ in v], dtype=np.str_),
                member_quoted=np.array(
                    [",".join(map(str, p.quoted)) for v in self._members.values() for _, p, _ in v], dtype=np.str_
                ),
                member_sig=np.array(
                    [x for v in self._members.values() for _, _, x in v], dtype=np.uint32
                ).reshape(-1, NUM_PERM),
                **self._verdict_arrays(),
                **self._near.arrays(),
                **self._near_verdict_arrays(),
            )
        os.replace(tmp, path)

    def _verdict_arrays(self) -> dict[str, np.ndarray]:
        """The conflict verdicts between fingerprints and members, as arrays for ``save``.

        Saved so that a restarted index decides as the running one did and does not pay again
        for the checks (at a million opinions a new fingerprint in a campaign cluster costs
        ~0.1 ms per member). Files without them (older ones) load with an empty cache; files
        with them load in older code, which ignores them.
        """
        keys = list(self._verdict)
        n = len(keys)
        return {
            "verdict_guard": np.fromiter((k[0] for k in keys), dtype=np.uint64, count=n),
            "verdict_slot": np.fromiter((k[1] for k in keys), dtype=np.int64, count=n),
            "verdict_member": np.fromiter((k[2] for k in keys), dtype=np.int64, count=n),
            "verdict_conflict": np.fromiter(self._verdict.values(), dtype=bool, count=n),
        }

    def _near_verdict_arrays(self) -> dict[str, np.ndarray]:
        """The near-copy verdicts, saved for the same reason as the members' (a restarted index
        asks the same newcomer fingerprint the same question, and batch keeps the first answer)."""
        keys = list(self._near_verdict)
        n = len(keys)
        return {
            "near_verdict_guard": np.fromiter((k[0] for k in keys), dtype=np.uint64, count=n),
            "near_verdict_node": np.fromiter((k[1] for k in keys), dtype=np.int64, count=n),
            "near_verdict_conflict": np.fromiter(self._near_verdict.values(), dtype=bool, count=n),
        }

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> NearDuplicateIndex:
        """Read an index written by ``save`` (format 1 or 2, with or without saved verdicts).

        The cyclic garbage collector is paused while the index's objects are made (none of them
        is garbage; at a million opinions full collections took ~0.6 s of the load), and one full
        collection runs at the end: the one these allocations would otherwise trigger stalled
        one of the first ``add`` calls by ~0.2 s.
        """
        with _gc_paused():
            self = cls._read(path)
        if gc.isenabled():
            gc.collect()
        return self

    def _saved_proposals(self, broken: list[str]) -> tuple[list[Proposal], list[str]]:
        """(proposals, masked texts) of saved clause-broken texts, as ``add`` made them."""
        masked, quoted = self.mask.mask_many([t.replace("|", "") for t in broken])
        return proposals(masked, quoted, broken), masked

    @classmethod
    def _read(cls, path: str | os.PathLike[str]) -> NearDuplicateIndex:
        with np.load(path, allow_pickle=False) as z:
            fmt = int(z["format"][0])
            if fmt not in (1, _FORMAT):
                raise ValueError(f"unsupported index format {fmt}")
            mask = DraftMask(z["mask_hashes"], z["mask_articles"], int(z["mask_min_len"][0]))
            self = cls(mask=mask)
            self._rep_of = z["rep_of"].tolist()
            digests = z["exact_digest"]
            self._exact = dict(zip((bytes(d).ljust(16, b"\0") for d in digests.tolist()), z["exact_pos"].tolist()))
            self._reps = z["reps"].tolist()
            sig = z["sig"]
            guard = z["guard"]
            rep_text = z["rep_text"].tolist()
            if fmt >= 2:
                members = list(
                    zip(
                        z["member_slot"].tolist(),
                        z["member_guard"].tolist(),
                        z["member_text"].tolist(),
                        z["member_sig"],
                    )
                )
            else:
                members = []
            if "verdict_guard" in z.files:
                keys = zip(z["verdict_guard"].tolist(), z["verdict_slot"].tolist(), z["verdict_member"].tolist())
                self._verdict = dict(zip(keys, z["verdict_conflict"].tolist()))
            near = None
            if "near_where" in z.files:
                near = NearCopies.from_arrays({k: z[k] for k in z.files if k.startswith(("near_", "follower_"))})
            if "near_verdict_guard" in z.files:
                keys = zip(z["near_verdict_guard"].tolist(), z["near_verdict_node"].tolist())
                self._near_verdict = dict(zip(keys, z["near_verdict_conflict"].tolist()))
        # proposals made as ``add`` made them: of the masked text (draft quotations removed), with the
        # clause-broken text kept for ``conflict`` (a proposal of the unmasked text counted the numbers
        # and negations of a quoted article, and a restarted index could decide otherwise)
        for (slot, g, _, msig), p in zip(members, self._saved_proposals([m[2] for m in members])[0]):
            self._members.setdefault(slot, []).append((g, p, msig.copy()))
        self._props, masked = self._saved_proposals(rep_text)
        # masked in one vectorised pass (0.2 s for 100,000 representatives) rather than ~0.1 ms each
        # when an add first needs one
        self._masked.extend(masked)
        nreps = len(self._reps)
        cap = max(1024, 1 << int(np.ceil(np.log2(max(nreps, 1) + 1))))
        self._sig, self._guard = grown(sig, cap), grown(guard, cap)
        has = np.flatnonzero(sig[:, 0] != EMPTY) if nreps else np.zeros(0, np.int64)
        keys = _keys(sig[has]) if len(has) else np.zeros((0, BANDS), np.uint64)
        for row, slot in zip(keys.tolist(), has.tolist()):
            self._insert(row, slot)
        # a file from before the near-copy rule: its representatives are the nodes (no followers)
        self._near = near if near is not None else NearCopies.of_representatives(keys, has)
        return self
