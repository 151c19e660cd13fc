"""c2c-vpn domain code: spec, rules, vendor table, MSS, Genesys side, renderer, lab.

Pure Python: nothing here imports pulumi (the Pulumi resources live in ``components/``);
``tests/test_boundaries.py`` enforces it.
"""

from importlib.metadata import PackageNotFoundError, version

try:  # one version source: pyproject.toml, as installed
    __version__ = version("c2c-vpn")
except PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0+unknown"
