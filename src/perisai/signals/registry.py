"""A registry of analysers, like Presidio's recognizer registry.

Analysers register by instance; third-party packages can add theirs through
the ``perisai.analysers`` entry-point group (each entry point names a
zero-argument callable returning an ``Analyser``).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from importlib.metadata import entry_points

from perisai.signals.base import Analyser, Signal, Subject

ENTRY_POINT_GROUP = "perisai.analysers"


class AnalyserRegistry:
    def __init__(self, analysers: Iterable[Analyser] = ()) -> None:
        self._analysers: dict[str, Analyser] = {}
        for analyser in analysers:
            self.register(analyser)

    def register(self, analyser: Analyser) -> None:
        if analyser.name in self._analysers:
            raise ValueError(f"an analyser named {analyser.name!r} is already registered")
        self._analysers[analyser.name] = analyser

    def remove(self, name: str) -> None:
        self._analysers.pop(name, None)

    def load_entry_points(self) -> None:
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            self.register(ep.load()())

    @property
    def names(self) -> list[str]:
        return list(self._analysers)

    def get(self, name: str) -> Analyser:
        return self._analysers[name]

    def analyse(
        self, subjects: Sequence[Subject], timings: dict[str, float] | None = None
    ) -> list[Signal]:
        """Run every analyser that accepts each subject; collect all signals.

        ``timings`` (if given) receives milliseconds spent per analyser.
        """
        signals: list[Signal] = []
        for analyser in self._analysers.values():
            accepted = [s for s in subjects if analyser.accepts(s)]
            if not accepted:
                continue
            started = time.perf_counter()
            for found in analyser.analyse_batch(accepted):
                signals.extend(found)
            if timings is not None:
                elapsed = (time.perf_counter() - started) * 1000.0
                timings[analyser.name] = timings.get(analyser.name, 0.0) + elapsed
        return signals
