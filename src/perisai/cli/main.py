"""The ``perisai`` command. Each area keeps its commands in its own module
(``perisai.cli.<area>``), exposing a click command or group named ``command``
whose name is the module name; this module only assembles them."""

from __future__ import annotations

import importlib

import click

from perisai import __version__

#: Modules under perisai.cli that contribute a top-level command.
COMMAND_MODULES = [
    "serve",
    "policy",
    "ledger",
    "keys",
    "db",
    "gate",
    "hash",
    "train",
    "eval",
    "bank",
    "cases",
]


class LazyGroup(click.Group):
    """Imports a command's module only when that command runs (or help lists
    it), so ``perisai policy validate`` does not load image models."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *COMMAND_MODULES])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in COMMAND_MODULES:
            module = importlib.import_module(f"perisai.cli.{cmd_name}")
            command: click.Command = module.command
            return command
        return super().get_command(ctx, cmd_name)


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, prog_name="perisai")
def cli() -> None:
    """Perisai: stop generative image services being used to make sexual images
    of real people without consent, or any sexualised image of a child.

    Settings come from environment variables (PERISAI_DATABASE_URL,
    PERISAI_POLICY, PERISAI_DATA_DIR, ...); see `docs/configuration.md`.
    """
