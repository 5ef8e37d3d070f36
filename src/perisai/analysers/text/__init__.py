"""Prompt analysis: multilingual, evasion-resistant, trained (see docs/text-analysis.md).

``TextAnalyser`` turns a generation prompt or edit instruction into five
calibrated ``text.*`` signals with evidence spans in the original text.
"""

from perisai.analysers.text.analyser import SIGNAL_NAMES, TextAnalyser

__all__ = ["SIGNAL_NAMES", "TextAnalyser"]
