"""The exit codes of every ``c2cvpn`` command, and how unusable input is reported."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from rich.markup import escape

if TYPE_CHECKING:
    from rich.console import Console

    from c2cvpn.spec import SpecError

#: Success: valid, in sync, every check passed.
EXIT_OK: Final = 0
#: The stack has problems (or the Genesys side differs where it must match).
EXIT_INVALID: Final = 1
#: Unusable input (missing file, broken YAML, unknown key) or an unreadable peer.
EXIT_UNUSABLE: Final = 2
#: An internal error: a bug, to be reported with the command line.
EXIT_INTERNAL: Final = 3


def print_spec_error(exc: SpecError, err: Console) -> None:
    """Report a stack file that cannot be used: one ``error: <source>: <reason>`` line each."""
    for line in exc.lines:
        err.print(f"[bold red]error:[/] {escape(exc.source)}: {escape(line)}")
