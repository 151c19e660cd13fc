"""What both HTTP clients share: reading Retry-After, and the CLI's import cost."""

from __future__ import annotations

import email.utils
import subprocess
import sys
import time

from c2cvpn.retrying import retry_after_seconds


def test_retry_after_reads_seconds_and_http_dates() -> None:
    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds(" 0.5 ") == 0.5
    assert retry_after_seconds("-3") == 0.0
    assert retry_after_seconds(None) is None
    assert retry_after_seconds("soon") is None
    later = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 25 <= (retry_after_seconds(later) or 0) <= 30
    # "-0000" gives a date without a zone: taken as UTC, not a TypeError.
    naive = later.replace("GMT", "-0000")
    assert email.utils.parsedate_to_datetime(naive).tzinfo is None
    assert 25 <= (retry_after_seconds(naive) or 0) <= 30
    assert retry_after_seconds("Thu, 01 Jan 1970 00:00:00 GMT") == 0.0


def test_the_cli_does_not_import_the_http_clients_until_a_command_needs_them() -> None:
    probe = (
        "import sys, c2cvpn.cli; print(sorted(m for m in ('httpx', 'stamina') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
