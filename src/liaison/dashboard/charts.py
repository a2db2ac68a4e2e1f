"""Server-rendered SVG charts: pure functions returning SVG markup strings.

No web or database imports, nothing loaded at run time. Every chart is
``role="img"`` with a ``<title>`` and an ``aria-label``, scales to its container
(``viewBox`` with ``width="100%"``), and escapes every piece of text it is given.
An empty data set gives a small chart saying 暂无数据 rather than an error.
Chart text follows the request's interface language (liaison.i18n); callers
pass titles already translated.
"""

from __future__ import annotations

from datetime import date
from html import escape

from babel.dates import format_skeleton

from liaison.i18n import DEFAULT_LOCALE, _, current_locale, format_date_for, ngettext

__all__ = ["bar_chart", "heat_strip", "line_chart"]

_ACCENT = "#a4000f"
_MUTED = "#595959"
_LINE = "#dddddd"
_FONT = 'font-family="PingFang SC, Noto Sans CJK SC, Microsoft YaHei, sans-serif"'


def _e(text: object) -> str:
    """Escape for both element text and attribute values."""
    return escape(str(text), quote=True)


def _svg(width: int, height: int, title: str, body: str, label: str | None = None) -> str:
    t = _e(title)
    aria = _e(label) if label is not None else t
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-label="{aria}" '
        f'viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMinYMin meet" {_FONT}>'
        f"<title>{t}</title>{body}</svg>"
    )


def _empty(title: str) -> str:
    none = _("暂无数据")
    body = f'<text x="10" y="26" font-size="14" fill="{_MUTED}">{_e(none)}</text>'
    return _svg(300, 40, title, body, _("%(title)s：%(text)s") % {"title": title, "text": none})


def _short(label: str, limit: int) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _md(d: date) -> str:
    """Month and day for an axis end: 3月1日, or the locale's short form (Mar 1)."""
    locale = current_locale()
    if locale == DEFAULT_LOCALE:
        return f"{d.month}月{d.day}日"
    return format_skeleton("MMMd", d, locale=locale)


def line_chart(points: list[tuple[date, int]], title: str) -> str:
    """Counts over time (one point per day, in order); a filled line with the peak marked."""
    if not points:
        return _empty(title)
    width, height = 600, 220
    left, right, top, bottom = 44, 12, 14, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max(v for _label, v in points) or 1
    n = len(points)

    def x(i: int) -> float:
        return left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y(v: int) -> float:
        return top + plot_h - plot_h * v / peak

    coords = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, (_label, v) in enumerate(points))
    base = top + plot_h
    anchor = ' text-anchor="middle"' if n == 1 else ""
    parts = [
        f'<line x1="{left}" y1="{base}" x2="{width - right}" y2="{base}" stroke="{_LINE}"/>',
        f'<line x1="{left}" y1="{top}" x2="{width - right}" y2="{top}" stroke="{_LINE}" stroke-dasharray="3 3"/>',
        f'<text x="{left - 6}" y="{top + 4}" font-size="12" text-anchor="end" fill="{_MUTED}">{peak}</text>',
        f'<text x="{left - 6}" y="{base + 4}" font-size="12" text-anchor="end" fill="{_MUTED}">0</text>',
        f'<polygon points="{x(0):.1f},{base} {coords} {x(n - 1):.1f},{base}" fill="{_ACCENT}" fill-opacity="0.12"/>',
        f'<polyline points="{coords}" fill="none" stroke="{_ACCENT}" stroke-width="2"/>',
        f'<text x="{x(0):.1f}" y="{height - 10}" font-size="12" fill="{_MUTED}"'
        f'{anchor}>{_e(_md(points[0][0]))}</text>',
    ]
    if n > 1:
        parts.append(f'<text x="{x(n - 1):.1f}" y="{height - 10}" font-size="12" text-anchor="end" '
                     f'fill="{_MUTED}">{_e(_md(points[-1][0]))}</text>')
    if n <= 120:  # a hoverable dot per day; beyond that the dots would only be noise
        locale = current_locale()
        for i, (d, v) in enumerate(points):
            tip = ngettext("%(date)s：%(num)s 条", "%(date)s：%(num)s 条", v) % {
                "date": format_date_for(d, locale), "num": v}
            parts.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="2.5" fill="{_ACCENT}">'
                         f"<title>{_e(tip)}</title></circle>")
    total = sum(v for _label, v in points)
    label = _("%(title)s：%(start)s 至 %(end)s 共 %(total)s 条，单日最多 %(peak)s 条") % {
        "title": title, "start": points[0][0].isoformat(), "end": points[-1][0].isoformat(),
        "total": total, "peak": peak}
    return _svg(width, height, title, "".join(parts), label)


def bar_chart(items: list[tuple[str, int]], title: str) -> str:
    """Horizontal bars, one per (label, count), in the order given; labels may be Chinese."""
    if not items:
        return _empty(title)
    width, row = 600, 30
    label_w, value_w, top = 170, 56, 6
    bar_max = width - label_w - value_w
    peak = max(v for _label, v in items) or 1
    height = top * 2 + row * len(items)
    parts = []
    for i, (name, value) in enumerate(items):
        y = top + i * row
        w = bar_max * value / peak
        tip = _("%(name)s：%(value)s") % {"name": name, "value": value}
        parts.append(
            f"<g><title>{_e(tip)}</title>"
            f'<text x="{label_w - 8}" y="{y + 20}" font-size="14" text-anchor="end">{_e(_short(name, 11))}</text>'
            f'<rect x="{label_w}" y="{y + 6}" width="{max(w, 1 if value else 0):.1f}" height="{row - 10}" '
            f'fill="{_ACCENT}" rx="2"/>'
            f'<text x="{label_w + w + 6:.1f}" y="{y + 20}" font-size="13" fill="{_MUTED}">{value}</text></g>'
        )
    listed = _("，").join(f"{name} {value}" for name, value in items)
    label = _("%(title)s：%(text)s") % {"title": title, "text": listed}
    return _svg(width, height, title, "".join(parts), label)


def _heat(share: float) -> str:
    """White-ish to the accent red; ``share`` in 0..1."""
    share = min(max(share, 0.0), 1.0)
    lo, hi = (0xF4, 0xF4, 0xF4), (0xA4, 0x00, 0x0F)
    r, g, b = (round(a + (c - a) * share) for a, c in zip(lo, hi, strict=True))
    return f"#{r:02x}{g:02x}{b:02x}"


def heat_strip(cells: list[tuple[str, int, float]], title: str, *, per_row: int = 25,
               hrefs: list[str] | None = None) -> str:
    """One square per article: colour by opinion count, a hatch and a corner mark by disagreement.

    ``cells`` are ``(label, count, disagreement)`` with disagreement in 0..1 (0: everyone on one
    side). The hatch's strength follows the disagreement; at 0.25 or more a black corner
    triangle is added, so the mark does not rely on colour alone. ``hrefs`` (optional, one per
    cell) makes each square a link, e.g. to ``#art-12``.
    """
    if not cells:
        return _empty(title)
    size, gap = 22, 2
    step = size + gap
    cols = min(per_row, len(cells))
    rows = -(-len(cells) // per_row)
    width, height = cols * step + gap, rows * step + gap
    peak = max(c for _label, c, _share in cells) or 1
    parts = [
        '<defs><pattern id="hs-hatch" width="5" height="5" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="5" stroke="#000" stroke-width="1.6"/>'
        "</pattern></defs>"
    ]
    for i, (name, count, disagreement) in enumerate(cells):
        cx, cy = gap + (i % per_row) * step, gap + (i // per_row) * step
        d = min(max(float(disagreement), 0.0), 1.0)
        if count:
            tip = ngettext("%(article)s：%(num)s 条意见，分歧 %(pct)s%%", "%(article)s：%(num)s 条意见，分歧 %(pct)s%%",
                           count) % {"article": name, "num": count, "pct": round(d * 100)}
        else:
            tip = ngettext("%(article)s：%(num)s 条意见", "%(article)s：%(num)s 条意见", count) % {
                "article": name, "num": count}
        cell = [f"<title>{_e(tip)}</title>",
                f'<rect x="{cx}" y="{cy}" width="{size}" height="{size}" fill="{_heat(count / peak if count else 0)}" '
                f'stroke="{_LINE}"/>']
        if d > 0:
            cell.append(f'<rect x="{cx}" y="{cy}" width="{size}" height="{size}" fill="url(#hs-hatch)" '
                        f'fill-opacity="{min(1.0, 0.25 + d * 1.5):.2f}"/>')
        if d >= 0.25:
            cell.append(f'<polygon points="{cx + size - 9},{cy} {cx + size},{cy} {cx + size},{cy + 9}" fill="#000"/>')
        inner = "".join(cell)
        if hrefs is not None and i < len(hrefs):
            parts.append(f'<a href="{_e(hrefs[i])}" aria-label="{_e(tip)}">{inner}</a>')
        else:
            parts.append(f"<g>{inner}</g>")
    busiest = sorted(cells, key=lambda c: -c[1])[:3]
    if any(c for _n, c, _d in cells):
        top = _("，").join(
            ngettext("%(article)s（%(num)s 条）", "%(article)s（%(num)s 条）", c) % {"article": n, "num": c}
            for n, c, _d in busiest if c)
        label = ngettext("%(title)s：共 %(num)s 条条文；意见最多的是 %(top)s",
                         "%(title)s：共 %(num)s 条条文；意见最多的是 %(top)s", len(cells)) % {
            "title": title, "num": len(cells), "top": top}
    else:
        label = ngettext("%(title)s：共 %(num)s 条条文，尚无针对具体条文的意见",
                         "%(title)s：共 %(num)s 条条文，尚无针对具体条文的意见", len(cells)) % {
            "title": title, "num": len(cells)}
    return _svg(width, height, title, "".join(parts), label)
