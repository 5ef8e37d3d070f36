"""Support resources per country, from ``support.yaml`` (facts with sources)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

SUPPORT_FILE = Path(__file__).with_name("support.yaml")
FIELDS = ("name", "phone", "whatsapp", "url", "hours", "for", "source", "checked")


@lru_cache(maxsize=1)
def _load() -> dict[str, list[dict[str, Any]]]:
    data = yaml.safe_load(SUPPORT_FILE.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{SUPPORT_FILE} must map country codes to lists")
    out: dict[str, list[dict[str, Any]]] = {}
    for code, entries in data.items():
        out[str(code)] = [{k: str(e[k]) for k in FIELDS if k in e} for e in entries]
        for entry in out[str(code)]:
            if "name" not in entry or "source" not in entry:
                raise ValueError(
                    f"{SUPPORT_FILE}: every entry for {code} needs a name and a source"
                )
    return out


def countries() -> list[str]:
    return sorted(c for c in _load() if c != "*")


def support_for(country: str | None) -> list[dict[str, Any]]:
    """The country's own resources first, then those that serve everyone."""
    table = _load()
    code = (country or "").upper()
    return [dict(e) for e in table.get(code, [])] + [dict(e) for e in table.get("*", [])]
