"""``perisai cases list|show|clocks|purge-evidence``: the case queues from a shell."""

from __future__ import annotations

import click

from perisai.cli.common import echo_json, runtime


def _service():  # type: ignore[no-untyped-def]
    from perisai.cases import case_service

    return case_service(runtime())


@click.group(name="cases")
def command() -> None:
    """Reports, takedowns and appeals (see docs/cases.md)."""


@command.command(name="list")
@click.option(
    "--queue",
    type=click.Choice(["open", "child_safety", "appeals", "breached"]),
    default="open",
    show_default=True,
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per case.")
def list_cases(queue: str, as_json: bool) -> None:
    """A queue, most severe first, then nearest deadline (records clock breaches)."""
    from perisai.cases import CaseInputError

    try:
        rows = _service().list_queue(queue)
    except CaseInputError as exc:
        raise click.ClickException(str(exc)) from exc
    for row in rows:
        if as_json:
            echo_json(row)
            continue
        flags = ("BREACHED " if row["breached"] else "") + ("due-soon " if row["due_soon"] else "")
        click.echo(
            f"{row['case_number']}  {row['severity']:<8} {row['reason']:<22} "
            f"{row['status']:<9} next {row['next_deadline_at'] or '-'}  {flags}".rstrip()
        )
    if not rows and not as_json:
        click.echo(f"queue {queue} is empty")


@command.command(name="show")
@click.argument("case_number")
def show(case_number: str) -> None:
    """One case as JSON (report text included; contact details left out)."""
    from perisai.cases import CaseNotFound

    try:
        echo_json(_service().view(case_number.upper()))
    except CaseNotFound as exc:
        raise click.ClickException(str(exc)) from exc


@command.command(name="clocks")
def clocks() -> None:
    """Record and list clock breaches as of now."""
    breaches = _service().check_clocks()
    for b in breaches:
        click.echo(f"{b.case_number}  {b.clock} was due {b.due_at.isoformat()}")
    click.echo(f"{len(breaches)} new breach(es) recorded")


@command.command(name="purge-evidence")
def purge_evidence() -> None:
    """Erase preserved child-safety media whose retention has ended."""
    click.echo(f"{_service().purge_evidence()} preserved file(s) purged")
