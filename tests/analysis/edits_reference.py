"""The rules of ``liaison.analysis.verify._edits`` in plain Python: the statement the compiled
kernel (``liaison.analysis.edits_kernel``) is checked against. It was the implementation until
the kernel replaced it (a sixth of ``cluster_texts``' CPU time at a million opinions)."""

from __future__ import annotations

from collections import Counter

from liaison.analysis.verify import _ATTACHED, _LEFT, Proposal, _tokens_within


def reference_edits(a: Proposal, other: str, min_shared: int = 3) -> Counter[str]:
    """Numbers and negation/support words of ``a.text`` that ``other`` lacks and that bear on shared text.

    A position of ``x = a.text`` is shared when a 3-gram of ``x`` covering it also
    occurs in ``other`` (a substring test: the 3-grams of ``other`` are exactly its
    3-character substrings, so no gram set is built; coverage is only looked at
    around tokens). A number or negation not shared, and close to shared text
    within its clause (a number on both sides, a negation before it: within
    ``_LEFT`` and ``_ATTACHED`` characters), is an edit of what both texts say
    (1.5米→2米, 应当→不应当一律禁止); one that ends or starts a longer unshared
    stretch of its clause belongs to an added remark and does not count.

    ``min_shared`` > 3 (strict): only runs of at least that many characters shared
    with ``other`` count as shared (a lone 3-gram met by chance does not), and a
    token preceded by unshared characters back to the start of its clause is not
    an edit (two different remarks that end alike).
    """
    strict = min_shared > 3
    out: Counter[str] = Counter()
    toks = a.tokens()
    if not toks:
        return out
    x = a.text
    n = len(x)
    last = n - 3
    memo: dict[int, bool] = {}
    if min_shared > 3:
        hit = [x[i : i + 3] in other for i in range(n - 2)]
        covered = [False] * n
        i = 0
        while i < len(hit):
            if hit[i]:
                j = i
                while j < len(hit) and hit[j]:
                    j += 1
                # 3-grams i..j-1 cover characters i..j+1; a run that reaches either end of the text counts
                if j - i + 2 >= min_shared or i == 0 or j == len(hit):
                    covered[i : j + 2] = [True] * (j + 2 - i)
                i = j
            else:
                i += 1
        memo = dict(enumerate(covered))

    def cov(p: int) -> bool:
        c = memo.get(p)
        if c is None:
            c = False
            for i in (p - 2, p - 1, p):
                if 0 <= i <= last and x[i : i + 3] in other:
                    c = True
                    break
            memo[p] = c
        return c

    def own(p: int) -> bool:
        # a token is shared only through 3-grams inside its clause: "全|不" met by chance in
        # another clause of the other text ("安全|不少") made 不 of "安全|不建议" look shared
        for i in (p - 2, p - 1, p):
            if 0 <= i <= last:
                gram = x[i : i + 3]
                if "|" not in gram and gram in other:
                    return True
        return False

    test = cov if strict else own
    for st, en, kind in toks:
        shared = True
        for p in range(st, en):
            if not test(p):
                shared = False
                break
        if shared:
            continue
        # uncovered characters between the token and the shared text next to it
        lo = st
        stop = st - _LEFT - 1  # further left changes nothing: the token is then not attached
        while lo > 0 and lo > stop and x[lo - 1] != "|" and not cov(lo - 1):
            lo -= 1
        left = st - lo
        if left > _LEFT:  # not attached on the left: the tail of an added remark
            continue
        if strict and left and (lo == 0 or x[lo - 1] == "|"):
            continue  # an unshared start of a clause: a different remark, not an edit of shared wording
        hi = en
        while hi < n and x[hi] != "|" and not cov(hi):
            hi += 1
        if hi < n and x[hi] == "|":
            # the clause ends here: attached if nothing unshared follows the token, else an added remark
            right = 0 if hi == en else n
            target = "|"
        elif hi < n:
            right = hi - en
            target = x[hi : hi + 2]
        else:  # the text ends in this difference: an edit only if the whole difference is short
            right = 0 if hi - lo <= (_ATTACHED + 2 if strict else _ATTACHED + 4) else n
            target = "$"
        if kind[0] == "#":
            if right > _LEFT:
                continue
            out[kind] += 1
        elif right <= _ATTACHED:  # a negation or support word bears on what follows it
            out[kind + target] += 1
    return out


def reference_conflict(a: Proposal, b: Proposal, min_shared: int = 3) -> bool:
    """``verify.conflict`` with :func:`reference_edits`."""
    if a.quoted and b.quoted and a.quoted != b.quoted:
        return True
    if a.numbers == b.numbers and a.negations == b.negations and a.supports == b.supports:
        return False
    ea = reference_edits(a, b.text, min_shared)
    if not ea and _tokens_within(b, a):
        return False
    return ea != reference_edits(b, a.text, min_shared)
