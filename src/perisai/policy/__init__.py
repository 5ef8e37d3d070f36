"""Policy: a versioned, declarative YAML file mapping signals and context to
actions per harm category and jurisdiction."""

from perisai.policy.engine import Context, PolicyEngine
from perisai.policy.loader import PolicyError, load_policy, parse_policy
from perisai.policy.schema import Policy

__all__ = ["Context", "Policy", "PolicyEngine", "PolicyError", "load_policy", "parse_policy"]
