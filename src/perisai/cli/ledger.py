"""``perisai ledger verify|export|checkpoint|keygen``."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from perisai.cli.common import runtime
from perisai.ledger import Ledger, LedgerError
from perisai.ledger.checkpoints import LedgerKeyError, generate_key_pair, load_public_key_arg
from perisai.ledger.export import ExportFormatError, export_ledger, verify_export
from perisai.ledger.verify import VerifyReport


class _UTCDate(click.ParamType):
    name = "DATE"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            moment = datetime.fromisoformat(str(value).strip())
        except ValueError:
            self.fail(
                f"{value!r} is not a date; use e.g. 2026-01-05 or 2026-01-05T09:00:00Z", param, ctx
            )
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _open_ledger() -> Ledger:
    rt = runtime()
    try:
        return rt.ledger
    except (LedgerKeyError, OSError) as exc:
        raise click.ClickException(f"cannot load the ledger signing key: {exc}") from exc


def _public_keys(values: tuple[str, ...]) -> list[Ed25519PublicKey] | None:
    if not values:
        return None
    keys = []
    for value in values:
        try:
            keys.append(load_public_key_arg(value))
        except LedgerKeyError as exc:
            raise click.BadParameter(str(exc), param_hint="--public-key") from None
    return keys


@click.group("ledger")
def command() -> None:
    """The tamper-evident record of every decision and case action.

    Each entry carries a fingerprint (SHA-256 hash) of its own contents and of
    the entry before it, so changing, removing, adding or reordering any entry
    breaks the chain. Signed checkpoints protect the newest entries too.
    """


@command.command("verify", short_help="Check the ledger (or an export) for tampering.")
@click.option(
    "--public-key",
    "public_keys",
    multiple=True,
    metavar="KEY",
    help="Public key to check checkpoint signatures with: 64 hex digits or a key file. "
    "Repeat for several keys. Default: the key in PERISAI_LEDGER_KEY.",
)
@click.option(
    "--export",
    "export_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Check an exported file instead of the database (works offline, no database needed).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the full report as JSON.")
@click.option(
    "--max-problems", default=1000, show_default=True, help="List at most this many problems."
)
def verify_cmd(
    public_keys: tuple[str, ...], export_file: Path | None, as_json: bool, max_problems: int
) -> None:
    """Check that no ledger entry was changed, removed, added or reordered.

    Prints every problem found with the entry number where it is, then a
    summary. Exit status: 0 when the ledger is intact, 1 when it was tampered
    with or cannot be read.
    """
    keys = _public_keys(public_keys)
    if export_file is not None:
        try:
            report = verify_export(export_file, keys, max_problems=max_problems)
        except (ExportFormatError, OSError) as exc:
            click.echo(f"error: {export_file} cannot be verified: {exc}", err=True)
            sys.exit(1)
    else:
        report = _open_ledger().verify(public_keys=keys, max_problems=max_problems)
    _print_report(report, as_json)
    sys.exit(0 if report.ok else 1)


def _print_report(report: VerifyReport, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        return
    for problem in report.problems:
        click.echo(f"[{problem.kind}] {problem.message}")
    if report.problems_omitted:
        click.echo(f"... and {report.problems_omitted} more problems")
    for note in report.notes:
        click.echo(f"note: {note}")
    click.echo(report.summary())


@command.command("export")
@click.option(
    "--since",
    type=_UTCDate(),
    help="Export entries made on or after this date/time (UTC), e.g. 2026-01-05. Default: all.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write to this file (default: standard output).",
)
@click.option(
    "--checkpoint/--no-checkpoint",
    default=True,
    show_default=True,
    help="Sign the newest entry first (when a ledger key is configured), so the whole export "
    "is covered by a signature.",
)
def export_cmd(since: datetime | None, out: Path | None, checkpoint: bool) -> None:
    """Write ledger entries as JSON Lines for auditors.

    The file holds everything needed to check it offline with
    `perisai ledger verify --export FILE`: the hash the first entry links
    back to, the newest entry, and the signed checkpoints with their public
    keys.
    """
    ledger = _open_ledger()
    try:
        if out is None:
            count = export_ledger(ledger, sys.stdout, since, checkpoint=checkpoint)
        else:
            with out.open("w", encoding="utf-8") as fh:
                count = export_ledger(ledger, fh, since, checkpoint=checkpoint)
    except LedgerError as exc:
        raise click.ClickException(str(exc)) from exc
    if out is not None:
        click.echo(f"wrote {count} entries to {out}", err=True)


@command.command("checkpoint", short_help="Sign the newest entry now with the ledger key.")
def checkpoint_cmd() -> None:
    """Sign the newest ledger entry now with the ledger key (PERISAI_LEDGER_KEY).

    Publish the printed line somewhere outside your database (a transparency
    report, a public repository, an email to your regulator) so that later
    removal of entries can be proven.
    """
    ledger = _open_ledger()
    try:
        cp = ledger.checkpoint()
    except LedgerError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(json.dumps(cp.to_dict(), separators=(",", ":")))


@command.command("keygen")
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the new private key (PEM; readable only by you). Must not exist yet.",
)
def keygen_cmd(out: Path) -> None:
    """Create a new signing key for ledger checkpoints.

    Keep the private key file secret and point PERISAI_LEDGER_KEY at it. The
    public key printed here is what auditors use to check signatures: publish it.
    """
    try:
        public_hex = generate_key_pair(out)
    except FileExistsError:
        raise click.ClickException(f"{out} already exists; refusing to overwrite a key") from None
    except OSError as exc:
        raise click.ClickException(f"cannot write {out}: {exc.strerror}") from None
    click.echo(f"private key written to {out} (mode 0600); set PERISAI_LEDGER_KEY={out}", err=True)
    click.echo(public_hex)
