"""c2c-vpn domain code: spec, rules, vendor table, MSS, Genesys side, renderer, lab.

Pure Python: nothing here imports pulumi (the Pulumi resources live in ``components/``);
``tests/test_boundaries.py`` enforces it. Importing the package itself imports nothing else,
so the console entry point (``c2cvpn.entry``) can guard Ctrl-C from the first moment.
"""

from __future__ import annotations


def __getattr__(name: str) -> str:
    """``__version__``, read lazily from the installed metadata (one source: pyproject.toml)."""
    if name != "__version__":
        raise AttributeError(f"module 'c2cvpn' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("c2c-vpn")
    except PackageNotFoundError:  # a source tree that was never installed
        return "0+unknown"
