"""The generation gate: one decision point an image service calls before it
generates (prompt, edit + photos), after (output image), and on upload."""

from perisai.gate.gate import Gate, GateInputError, GateResult
from perisai.gate.pipeline import Blocked, GuardedPipeline

__all__ = ["Blocked", "Gate", "GateInputError", "GateResult", "GuardedPipeline"]
