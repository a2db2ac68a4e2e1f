"""The pure parts of station-to-station delivery: signatures and the retry schedule."""

import random

from liaison.submission.retry import CAP_SECONDS, backoff_seconds, is_retryable
from liaison.submission.signing import HEADER_SIGNATURE, MAX_SKEW, sign, signed_headers, verify

KEY = "k" * 32
BODY = '{"schema": "liaison.packet/1"}'.encode()


def test_signature_verifies_and_binds_body_key_and_time() -> None:
    headers = signed_headers("county-a", KEY, "county-a:dog:v1", BODY, now=1_000_000)
    sig, stamp = headers[HEADER_SIGNATURE], headers["X-Liaison-Timestamp"]
    assert sig.startswith("sha256=") and len(sig) == 7 + 64
    assert verify(KEY, stamp, "county-a:dog:v1", BODY, sig, now=1_000_010) is None
    assert "签名不符" in verify(KEY, stamp, "county-a:dog:v1", BODY + b" ", sig, now=1_000_010)
    assert "签名不符" in verify(KEY, stamp, "county-a:dog:v2", BODY, sig, now=1_000_010)
    assert "签名不符" in verify("x" * 32, stamp, "county-a:dog:v1", BODY, sig, now=1_000_010)
    assert "超过" in verify(KEY, stamp, "county-a:dog:v1", BODY, sig, now=1_000_000 + MAX_SKEW + 1)
    assert "Unix" in verify(KEY, "yesterday", "county-a:dog:v1", BODY, sig, now=1_000_000)
    assert "sha256=" in verify(KEY, stamp, "county-a:dog:v1", BODY, sig[7:], now=1_000_000)


def test_signature_matches_a_hand_computed_hmac() -> None:
    import hashlib
    import hmac

    expected = hmac.new(KEY.encode(), b"12.abc." + BODY, hashlib.sha256).hexdigest()
    assert sign(KEY, 12, "abc", BODY) == "sha256=" + expected


def test_backoff_grows_exponentially_with_jitter_and_a_cap() -> None:
    rng = random.Random(7)
    for attempt, step in [(1, 5), (2, 10), (3, 20), (6, 160)]:
        delays = [backoff_seconds(attempt, rng=rng) for _ in range(200)]
        assert step / 2 <= min(delays) and max(delays) <= step
        assert len({round(d, 3) for d in delays}) > 100  # jittered, not one value
    assert backoff_seconds(40, rng=rng) <= CAP_SECONDS


def test_which_answers_are_worth_retrying() -> None:
    assert is_retryable(None) and is_retryable(500) and is_retryable(503) and is_retryable(429)
    assert not is_retryable(401) and not is_retryable(409) and not is_retryable(422)


def test_idempotency_keys_fit_what_receivers_accept() -> None:
    from liaison.submission.signing import MAX_IDEMPOTENCY_KEY, bounded_key

    assert bounded_key("county-a:dog:v1") == "county-a:dog:v1"
    longest = f"outcomes:{'s' * 64}:{'d' * 80}:{'f' * 24}"  # station id and slug at their limits
    key = bounded_key(longest)
    assert len(key) == MAX_IDEMPOTENCY_KEY and key == bounded_key(longest)
    assert bounded_key(longest.replace("f", "e")) != key  # differs where the original is cut off
