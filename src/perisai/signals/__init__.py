"""Signals: what analysers find in text and images.

An analyser turns a *subject* (a prompt, an image) into scored ``Signal``s.
The policy engine maps signals to decisions; analysers never decide.
"""

from perisai.signals.base import (
    Analyser,
    Evidence,
    ImageSubject,
    Signal,
    Subject,
    TextSubject,
)
from perisai.signals.registry import AnalyserRegistry

__all__ = [
    "Analyser",
    "AnalyserRegistry",
    "Evidence",
    "ImageSubject",
    "Signal",
    "Subject",
    "TextSubject",
]
