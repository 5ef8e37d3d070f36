"""``perisai policy validate|explain``."""

from __future__ import annotations

from pathlib import Path

import click

from perisai.config import BUNDLED_POLICY
from perisai.policy import PolicyError, load_policy
from perisai.policy.explain import explain


@click.group("policy")
def command() -> None:
    """Check and explain policy files."""


@command.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
def validate(files: tuple[Path, ...]) -> None:
    """Check policy FILES; print each problem as FILE:LINE:COLUMN: FIELD: MESSAGE.

    Exits 0 when every file is valid, 1 otherwise.
    """
    failed = False
    for path in files:
        try:
            policy = load_policy(path)
        except PolicyError as exc:
            failed = True
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            continue
        click.echo(
            f"{path}: ok (version {policy.version}, {len(policy.categories)} categories, "
            f"{len(policy.rules)} rules, {len(policy.jurisdictions)} jurisdictions)"
        )
    if failed:
        raise SystemExit(1)


@command.command("explain")
@click.argument(
    "file",
    required=False,
    type=click.Path(dir_okay=False, path_type=Path),
    default=BUNDLED_POLICY,
)
def explain_cmd(file: Path) -> None:
    """Print a plain-language summary of a policy FILE (default: the bundled demo policy)."""
    try:
        policy = load_policy(file)
    except PolicyError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        raise SystemExit(1) from None
    click.echo(explain(policy))
