"""What became of an entry, and figures shaped for charts: pure formatting, no web or database code.

A volunteer asks one question of each opinion they typed in: "did it count?". The answer
combines the screening status, the point it was merged into and the packet that carried it
upward, so it is worked out here from plain values and tested alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from liaison.opinions.validation import CHANNEL_LABELS, SET_ASIDE_REASONS, Status
from liaison.i18n import N_, Labels, _, ngettext

__all__ = [
    "EntryOutcome",
    "SCREENING_LABELS",
    "channel_items",
    "describe_entry",
    "labelled",
    "screening_items",
    "total",
]

#: Short names of the screening states, in the order the figures show them.
SCREENING_LABELS: Labels[str] = Labels({
    Status.UNSCREENED: N_("待整理"),
    Status.KEPT: N_("已保留"),
    Status.SET_ASIDE: N_("未纳入汇总"),
})


@dataclass(frozen=True, slots=True)
class EntryOutcome:
    """The answer shown next to one entry: a status, optional further steps, and whether it may be corrected."""

    status: str
    label: str
    steps: tuple[str, ...]
    editable: bool

    @property
    def text(self) -> str:
        return _("；").join((self.label, *self.steps))


def describe_entry(status: str, *, set_aside_reason: str = "", point_size: int = 1,
                   packet_version: int | None = None) -> EntryOutcome:
    """Say what happened to an entry.

    ``point_size`` is the size of the point (cluster) the opinion belongs to, 1 when it stands
    alone; ``packet_version`` the latest feedback packet compiled after the opinion arrived.
    A set-aside opinion is never reported as merged or sent up: packets leave it out.
    Only unscreened entries may still be corrected (``update_own_entry`` refuses the others).
    """
    if status == Status.SET_ASIDE:
        reason = SET_ASIDE_REASONS.get(set_aside_reason, "")
        label = _("未纳入汇总（%(reason)s）") % {"reason": reason} if reason else _("未纳入汇总")
        return EntryOutcome(status, label, (), editable=False)
    steps: list[str] = []
    if point_size > 1:
        others = point_size - 1
        steps.append(ngettext("与其他 %(num)s 条意见归并为一条", "与其他 %(num)s 条意见归并为一条", others) % {"num": others})
    if packet_version is not None:
        steps.append(_("已纳入第 %(version)s 版意见汇总") % {"version": packet_version})
    label = SCREENING_LABELS.get(status, status)
    return EntryOutcome(status, label, tuple(steps), editable=status == Status.UNSCREENED)


def labelled(counts: Mapping[str | None, int], labels: Mapping[str, str], *, none_label: str = N_("未注明")) -> list[tuple[str, int]]:
    """``{"online": 3}`` → ``[("网上征求意见", 3)]``, largest first, then by label (stable for charts)."""
    out: dict[str, int] = {}
    for key, count in counts.items():
        name = _(none_label) if key is None else labels.get(key, key)
        out[name] = out.get(name, 0) + count
    return sorted(out.items(), key=lambda kv: (-kv[1], kv[0]))


def screening_items(counts: Mapping[str, int]) -> list[tuple[str, int]]:
    """Screening states in their fixed order (待整理, 已保留, 未纳入汇总), zeros included."""
    return [(label, int(counts.get(status, 0))) for status, label in SCREENING_LABELS.items()]


def channel_items(counts: Mapping[str | None, int]) -> list[tuple[str, int]]:
    """Opinion counts per channel with the channels' Chinese names."""
    return labelled(counts, CHANNEL_LABELS)


def total(items: Iterable[tuple[str, int]]) -> int:
    return sum(n for _label, n in items)

