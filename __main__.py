"""The Pulumi program: load and validate the stack, build its attachment(s), export.

Kept to one screen: all logic lives in c2cvpn/ (domain) and components/ (resources).
"""

from components.program import run

run()
