"""API keys with roles."""

from perisai.auth.keys import ROLES, ApiKey, KeyStore, Role

__all__ = ["ROLES", "ApiKey", "KeyStore", "Role"]
