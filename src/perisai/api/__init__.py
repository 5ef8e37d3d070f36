"""The HTTP service: a thin shell over the library."""

from perisai.api.app import create_app

__all__ = ["create_app"]
