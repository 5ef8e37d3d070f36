"""Perisai: a safety-by-design gate, hash banks, takedown and accountability
for generative image services."""

__version__ = "0.1.0"
