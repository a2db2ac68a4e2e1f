"""HMAC-SHA256 signatures between stations (pure).

The signed message is ``timestamp "." idempotency key "." body``: the body cannot be changed,
nor replayed under another key, nor (beyond ``MAX_SKEW``) long after it was signed. The key is
the secret the two stations share; the sending station names itself in a header so the
receiver knows which key to check with.
"""

from __future__ import annotations

import hashlib
import hmac

__all__ = [
    "HEADER_IDEMPOTENCY",
    "HEADER_SIGNATURE",
    "HEADER_STATION",
    "HEADER_TIMESTAMP",
    "MAX_IDEMPOTENCY_KEY",
    "MAX_SKEW",
    "body_digest",
    "bounded_key",
    "sign",
    "signed_headers",
    "verify",
]

HEADER_STATION = "X-Liaison-Station"
HEADER_TIMESTAMP = "X-Liaison-Timestamp"
HEADER_SIGNATURE = "X-Liaison-Signature"
HEADER_IDEMPOTENCY = "Idempotency-Key"
#: Seconds a signature stays valid either side of the receiver's clock.
MAX_SKEW = 300
#: The longest idempotency key a receiver accepts (and the outbox column holds).
MAX_IDEMPOTENCY_KEY = 100
_PREFIX = "sha256="


def sign(key: str, timestamp: int, idempotency_key: str, body: bytes) -> str:
    """The signature header value for one message."""
    message = f"{timestamp}.{idempotency_key}.".encode() + body
    return _PREFIX + hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def signed_headers(station_id: str, key: str, idempotency_key: str, body: bytes, now: float) -> dict[str, str]:
    """Every header a receiver needs to check the message (signed afresh for each attempt)."""
    timestamp = int(now)
    return {
        HEADER_STATION: station_id,
        HEADER_TIMESTAMP: str(timestamp),
        HEADER_IDEMPOTENCY: idempotency_key,
        HEADER_SIGNATURE: sign(key, timestamp, idempotency_key, body),
        "Content-Type": "application/json",
    }


def verify(key: str, timestamp: str, idempotency_key: str, body: bytes, signature: str, now: float) -> str | None:
    """None when the signature is good and fresh; otherwise why not (for the 401 answer)."""
    try:
        stamp = int(timestamp)
    except (TypeError, ValueError):
        return f"{HEADER_TIMESTAMP} 应为 Unix 秒数"
    if abs(now - stamp) > MAX_SKEW:
        return f"签名时间与本站时钟相差超过 {MAX_SKEW} 秒，请校准时钟后重发"
    if not signature.startswith(_PREFIX):
        return f"{HEADER_SIGNATURE} 应为 sha256=<十六进制摘要>"
    if not hmac.compare_digest(sign(key, stamp, idempotency_key, body), signature):
        return "签名不符：请核对共享密钥，且报文发送后不得改动"
    return None


def bounded_key(text: str) -> str:
    """``text`` as an idempotency key: itself when short enough, else its start and a digest.

    Keys are built from station ids (up to 64 characters) and draft slugs (up to 80), which
    together can pass :data:`MAX_IDEMPOTENCY_KEY`; the digest keeps them distinct and stable.
    """
    if len(text) <= MAX_IDEMPOTENCY_KEY:
        return text
    return f"{text[:MAX_IDEMPOTENCY_KEY - 41]}~{hashlib.sha256(text.encode()).hexdigest()[:40]}"


def body_digest(body: bytes) -> str:
    """SHA-256 of a body, to tell a replay (same body) from a conflict (same key, other body)."""
    return hashlib.sha256(body).hexdigest()
