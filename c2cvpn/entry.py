"""The ``c2cvpn`` console script: a Ctrl-C ends any command with exit 130 and no traceback.

The command line (:mod:`c2cvpn.cli`) imports typer, rich, pydantic and the rules first: a
quarter of a second in which a Ctrl-C used to surface as a raw ``KeyboardInterrupt``
traceback, before ``c2cvpn.cli.main`` could catch anything. This module imports only
``contextlib``, ``signal`` and ``sys``; it catches the interrupt around that import and around the command.

Once the outcome is decided (the command returned, failed, or was interrupted), further
Ctrl-C are ignored: a second press while the process exits can neither print a traceback
nor turn the exit status into a death by signal (-2). Python leaves an ignored SIGINT
ignored through interpreter shutdown.

What stays out of reach: a Ctrl-C during the interpreter's own start-up (``site``, and the
``c2cvpn`` package's ``__init__``), a few tens of milliseconds.
"""

from __future__ import annotations

import contextlib
import signal
import sys
from typing import NoReturn

#: The exit status of an interrupted command (128 + SIGINT), as shells report it.
EXIT_INTERRUPTED = 130


def ignore_interrupts() -> None:
    """From now on, Ctrl-C does nothing (outside the main thread there is nothing to guard)."""
    with contextlib.suppress(ValueError):  # not the main thread: the embedding caller's call
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def finish(code: int | str | None) -> NoReturn:
    """Exit with ``code`` (``sys.exit`` semantics); a Ctrl-C cannot change how the process ends."""
    ignore_interrupts()
    sys.exit(code)


def interrupted(message: str = "interrupted") -> NoReturn:
    """Say so on stderr in one line and exit 130."""
    ignore_interrupts()
    with contextlib.suppress(OSError, ValueError):  # stderr closed: the exit status tells
        print(message, file=sys.stderr, flush=True)
    finish(EXIT_INTERRUPTED)


def main() -> NoReturn:
    """Console entry point (``[project.scripts] c2cvpn``)."""
    try:
        from c2cvpn.cli import main as run_cli  # the heavy imports, interruptible

        run_cli()
    except KeyboardInterrupt:
        interrupted()
    except SystemExit as exc:
        finish(exc.code)
    finish(0)


if __name__ == "__main__":
    main()
