"""The fast forms of ``_clean`` and ``text_fingerprint`` give exactly what the plain forms give.

Stored opinions keep their fingerprints: a changed fingerprint would stop the ten-minute
repeat check from matching them. Pure functions, no database.
"""

from __future__ import annotations

import hashlib
import random
import unicodedata

from liaison.opinions.receipts import ALPHABET, new_receipt, new_receipts
from liaison.opinions.validation import _clean, text_fingerprint


def _plain_fingerprint(text: str, article: int | None) -> str:
    folded = "".join(unicodedata.normalize("NFKC", text).split())
    return hashlib.sha256(f"{article or 0}|{folded}".encode()).hexdigest()


def _plain_clean(value: str) -> str:
    value = unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in value if ch in "\n\t" or unicodedata.category(ch)[0] != "C").strip()


# ASCII, the full-width block and its neighbours, combining marks that compose with a preceding
# letter, Hangul jamo, controls, format characters, separators, private use, compatibility characters
_POOL = [chr(c) for c in [*range(0x20, 0x7F), *range(0xFF00, 0xFF70), 0x3000, 0x3002, 0x3001, 0x4E00, 0x300, 0x301,
                          0x323, 0x338, 0x3099, 0x309A, 0x304B, 0x200B, 0x200D, 0xFEFF, 0xD, 0xA, 0x9, 0x0, 0x85,
                          0x2028, 0x2029, 0xE000, 0xAC00, 0x1100, 0x1161, 0x11A8, 0x2460, 0xFB01, 0x212B, 0x1E9B,
                          0x1F600, 0xD7FF, 0x3A2, 0x378]]


def test_fast_text_rules_match_the_plain_ones() -> None:
    rng = random.Random(20261125)
    samples = ["关于牵引绳长度的意见：建议不超过２米，理由是安全。", "ＡＢＣ　１２３\r\n第十二条", "ｅ\u0301\u0323", ""]
    samples += ["".join(rng.choice(_POOL) for _ in range(rng.randint(1, 10))) for _ in range(4_000)]
    for text in samples:
        assert text_fingerprint(text, 3) == _plain_fingerprint(text, 3), repr(text)
        assert _clean(text) == _plain_clean(text), repr(text)


def test_receipt_codes_use_the_whole_alphabet() -> None:
    codes = new_receipts(2_000) + [new_receipt() for _ in range(100)]
    assert all(len(code) == 8 and set(code) <= set(ALPHABET) for code in codes)
    assert set("".join(codes)) == set(ALPHABET) and len(set(codes)) == len(codes)
