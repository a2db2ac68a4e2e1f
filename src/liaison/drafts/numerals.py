"""Chinese numerals as they appear in legislative labels (第一百零一条, （十二）).

Pure functions, no dependencies. Only the everyday "small writing" numerals are
handled (一二三 … 十百千万亿, 零/〇, 两); financial numerals (壹贰叁) never appear in
article labels.
"""

from __future__ import annotations

__all__ = ["article_label", "chinese_to_int", "int_to_chinese", "parse_number"]

_DIGITS: dict[str, int] = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_SMALL_UNITS: dict[str, int] = {"十": 10, "百": 100, "千": 1000}
_BIG_UNITS: dict[str, int] = {"万": 10_000, "亿": 100_000_000}

_OUT_DIGITS = "零一二三四五六七八九"

# ASCII and full-width digits (０-９) to ASCII.
_WIDE_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


def chinese_to_int(s: str) -> int:
    """Convert a Chinese numeral such as ``一百零一`` to an int.

    Accepts the positional form only (``十二``, ``一千二百六十``, ``两百``, ``十万零一十``);
    the digit-by-digit form of years (``二〇二六``) is rejected, as it never numbers a
    chapter, article or item and accepting it would let stray text pass as a label.

    Raises:
        ValueError: if ``s`` is empty or is not a well-formed Chinese numeral.
    """
    text = s.strip()
    if not text:
        raise ValueError("empty Chinese numeral")
    for ch in text:
        if ch not in _DIGITS and ch not in _SMALL_UNITS and ch not in _BIG_UNITS:
            raise ValueError(f"not a Chinese numeral: {s!r}")
    return _positional(text, s)


def _positional(text: str, original: str) -> int:
    total = 0  # completed 亿 groups
    group = 0  # completed 万 group within the current 亿 group
    section = 0  # value below 万 being built
    digit: int | None = None  # pending digit, not yet multiplied by a unit
    last_small = 10_000  # the previous small unit used in this section (must decrease)
    last_big = 10**9  # the previous big unit (must decrease)
    zero_pending = False  # a 零 was seen and must be followed by a digit
    for ch in text:
        if ch in _DIGITS:
            value = _DIGITS[ch]
            if digit is not None:
                raise ValueError(f"not a Chinese numeral: {original!r}")
            if value == 0:
                if zero_pending or (section == 0 and group == 0 and total == 0):
                    # 零 at the very start or 零零: only "零" alone is valid (handled below).
                    if text != ch:
                        raise ValueError(f"not a Chinese numeral: {original!r}")
                    return 0
                zero_pending = True
                continue
            digit = value
            zero_pending = False
        elif ch in _SMALL_UNITS:
            unit = _SMALL_UNITS[ch]
            if unit >= last_small:
                raise ValueError(f"not a Chinese numeral: {original!r}")
            if digit is None:
                # 十二 / 一百十 (colloquial): a bare 十 means 一十; 百 and 千 need a digit.
                if unit != 10 or zero_pending:
                    if unit == 10 and zero_pending:
                        digit = 1  # 一百零十 is odd but unambiguous
                    else:
                        raise ValueError(f"not a Chinese numeral: {original!r}")
                else:
                    digit = 1
            section += digit * unit
            digit = None
            zero_pending = False
            last_small = unit
        else:
            unit = _BIG_UNITS[ch]
            if unit >= last_big:
                raise ValueError(f"not a Chinese numeral: {original!r}")
            if digit is not None:
                section += digit
                digit = None
            if section == 0 and not (unit == 100_000_000 and group):
                raise ValueError(f"not a Chinese numeral: {original!r}")
            if unit == 10_000:
                group = section * 10_000
            else:
                total = (group + section) * 100_000_000
                group = 0
            section = 0
            last_small = 10_000
            last_big = unit
            zero_pending = False
    if zero_pending:
        raise ValueError(f"not a Chinese numeral: {original!r}")
    if digit is not None:
        section += digit
    return total + group + section


def _below_10000(n: int, *, leading: bool) -> str:
    """Write 0 < n < 10000; ``leading`` allows 十 for 一十 (only at the very start)."""
    out: list[str] = []
    zero = False
    for unit, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d = n // unit % 10
        if d == 0:
            if out:
                zero = True
            continue
        if zero:
            out.append("零")
            zero = False
        if unit == 10 and d == 1 and not out and leading:
            out.append("十")
        else:
            out.append(_OUT_DIGITS[d] + name)
    return "".join(out)


def int_to_chinese(n: int) -> str:
    """Write a non-negative int the way legislative labels do: 10 → 十, 110 → 一百一十.

    Raises:
        ValueError: if ``n`` is negative or not an int.
    """
    if isinstance(n, bool) or not isinstance(n, int):
        raise ValueError(f"not an int: {n!r}")
    if n < 0:
        raise ValueError(f"negative number: {n}")
    if n == 0:
        return "零"
    return _write(n, leading=True)


def _write(n: int, *, leading: bool) -> str:
    if n < 10_000:
        return _below_10000(n, leading=leading)
    for unit, name in ((100_000_000, "亿"), (10_000, "万")):
        if n >= unit:
            high, low = divmod(n, unit)
            out = _write(high, leading=leading) + name
            if low:
                if low < unit // 10:
                    out += "零"
                out += _write(low, leading=False)
            return out
    raise AssertionError("unreachable")  # pragma: no cover


def parse_number(s: str) -> int:
    """Read a label number written in Chinese numerals, ASCII digits or full-width digits.

    Raises:
        ValueError: if ``s`` is none of these.
    """
    text = s.strip()
    ascii_text = text.translate(_WIDE_DIGITS)
    if ascii_text.isascii() and ascii_text.isdigit():
        return int(ascii_text)
    return chinese_to_int(text)


def article_label(number: int | None) -> str:
    """第十二条 for an article number; 总体意见 (general comments) when there is none."""
    return f"第{int_to_chinese(number)}条" if number else "总体意见"
