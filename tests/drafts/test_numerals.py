"""Chinese numerals in labels: 第一百零一条, （十二）."""

from __future__ import annotations

import pytest

from liaison.drafts.numerals import chinese_to_int, int_to_chinese, parse_number


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (0, "零"),
        (1, "一"),
        (9, "九"),
        (10, "十"),
        (11, "十一"),
        (12, "十二"),
        (20, "二十"),
        (21, "二十一"),
        (99, "九十九"),
        (100, "一百"),
        (101, "一百零一"),
        (110, "一百一十"),
        (111, "一百一十一"),
        (120, "一百二十"),
        (1000, "一千"),
        (1001, "一千零一"),
        (1010, "一千零一十"),
        (1100, "一千一百"),
        (1260, "一千二百六十"),
        (1209, "一千二百零九"),
        (2000, "二千"),
        (10000, "一万"),
        (10010, "一万零一十"),
        (100010, "十万零一十"),
        (1010000, "一百零一万"),
        (100000000, "一亿"),
    ],
)
def test_int_to_chinese_and_back(n: int, text: str) -> None:
    assert int_to_chinese(n) == text
    assert chinese_to_int(text) == n


def test_round_trip_1_to_2000() -> None:
    for n in range(1, 2001):
        assert chinese_to_int(int_to_chinese(n)) == n


def test_round_trip_large_numbers() -> None:
    for n in (9999, 10001, 12345, 99999, 100001, 1234567, 20000000, 123456789, 100000001):
        assert chinese_to_int(int_to_chinese(n)) == n


@pytest.mark.parametrize(
    ("text", "n"),
    [
        ("两百", 200),
        ("两千零五", 2005),
        ("〇", 0),
        ("一百十", 110),  # colloquial, unambiguous
        ("一千零十", 1010),
        ("十一万", 110000),
        (" 十二 ", 12),
    ],
)
def test_chinese_to_int_tolerates_common_variants(text: str, n: int) -> None:
    assert chinese_to_int(text) == n


@pytest.mark.parametrize(
    "text",
    ["", "  ", "百", "千", "十十", "百一", "千一百一千", "一二", "零一", "一百零", "二〇二六", "第十", "十a", "12", "万"],
)
def test_chinese_to_int_rejects_malformed(text: str) -> None:
    with pytest.raises(ValueError):
        chinese_to_int(text)


@pytest.mark.parametrize("bad", [-1, 1.5, True, "1"])
def test_int_to_chinese_rejects_non_natural(bad: object) -> None:
    with pytest.raises(ValueError):
        int_to_chinese(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "n"),
    [("十二", 12), ("12", 12), ("１２", 12), ("１0", 10), (" 7 ", 7), ("一千二百六十", 1260), ("0", 0)],
)
def test_parse_number(text: str, n: int) -> None:
    assert parse_number(text) == n


@pytest.mark.parametrize("text", ["", "x", "1a", "١٢", "1.5", "-3", "第十二"])
def test_parse_number_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_number(text)
