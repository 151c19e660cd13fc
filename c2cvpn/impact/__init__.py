"""``c2cvpn impact``: what a change does to live tunnels, and what Genesys must do about it.

Pure: reads ``pulumi preview --json`` documents or two offline plans, classifies each change
with the sourced table in :mod:`c2cvpn.impact.table`, and renders a verdict-first report.
"""
