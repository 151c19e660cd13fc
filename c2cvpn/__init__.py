"""c2c-vpn domain code: spec, rules, vendor table, MSS, Genesys side, renderer, lab.

Pure Python: nothing here imports pulumi (the Pulumi resources live in ``components/``).
"""

__version__ = "0.1.0"
