"""What the project's HTTP clients (Genesys, GitHub) share about retrying.

Both retry with *stamina*; both honour a server's ``Retry-After`` and both report the
outcome themselves, so stamina's per-retry log lines are silenced.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging


def retry_after_seconds(value: str | None) -> float | None:
    """``Retry-After`` in seconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3); None when
    absent or unreadable. A date without a zone is taken as UTC; a past date is 0."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


def quiet_retry_logs() -> None:
    """Silence stamina's per-retry warnings (``stamina.retry_scheduled``): retries are expected,
    and the outcome (success, or one error line that counts the attempts) is what is reported."""
    logging.getLogger("stamina").setLevel(logging.ERROR)
