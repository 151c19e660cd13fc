"""Posting reports to GitHub: one sticky pull-request comment, or one issue, per stack.

:mod:`c2cvpn.github.api` is the REST client, :mod:`c2cvpn.github.post` the upsert rules,
:mod:`c2cvpn.github.cli` the ``c2cvpn github`` commands.
"""
