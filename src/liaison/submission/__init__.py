"""Station to station: packets submitted upward through an outbox, received by the station above.

- :mod:`.signing` and :mod:`.retry` are pure (HMAC signatures, backoff schedule).
- :mod:`.peers`: the upstream this station reports to and the lower stations it accepts.
- :mod:`.outbox`: submitting a packet version (outbox row in the same transaction) and delivering it.
- :mod:`.inbound`: verifying, storing and folding packets received from lower stations.

See docs/submission.md.
"""
