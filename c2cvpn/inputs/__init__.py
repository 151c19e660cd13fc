"""Provider inputs derived from a validated spec: pure functions, one module per cloud.

The components in ``components/`` wire these values into resources; everything that can be
decided without Pulumi (tunnel options, rule keys, route lists, names, priorities) is decided
here and tested without an engine.
"""
