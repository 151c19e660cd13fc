"""Pulumi ComponentResources: a validated spec in, provider resources out (no rules here)."""
