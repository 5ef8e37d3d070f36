"""Helpers shared by CLI commands."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from perisai.config import Settings
from perisai.runtime import Runtime


def runtime() -> Runtime:
    """The runtime for a CLI command: settings from the environment, schema migrated."""
    try:
        return Runtime(Settings())
    except Exception as exc:  # any start-up failure is reported, not dumped as a traceback
        raise click.ClickException(f"cannot open the database: {exc}") from exc


def echo_json(obj: Any) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False, default=str))


def fail(message: str, code: int = 1) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)
