"""``perisai bank ...``: create, fill, match against and audit hash banks."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from perisai.banks.formats import FORMATS, HashEntry
from perisai.banks.models import BANK_KINDS, PROVENANCES, BankError, MatchQuery
from perisai.banks.signals import get_signal_type, signal_types
from perisai.cli.common import echo_json, runtime

SIGNALS = ", ".join(sorted(signal_types()))
MAX_FILE_BYTES = 2 * 1024**3


def _fail(exc: BankError | ValueError) -> click.ClickException:
    where = getattr(exc, "field", None)
    return click.ClickException(f"{where}: {exc}" if where else str(exc))


def _read(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    file = Path(path)
    if not file.is_file():
        raise click.BadParameter(f"{path} is not a file", param_hint="FILE")
    if file.stat().st_size > MAX_FILE_BYTES:
        raise click.BadParameter(f"{path} is larger than 2 GiB", param_hint="FILE")
    try:
        return file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise click.BadParameter(
            f"{path} is not UTF-8 text (byte {exc.start})", param_hint="FILE"
        ) from None


@click.group("bank")
def command() -> None:
    """Hash banks: named lists of hashes of known abusive images and videos
    (block banks) or known-good ones (allow banks), matched at each bank's
    distance.

    Typical use: create a bank, import a partner or StopNCII file, then match
    uploads against every enabled bank. See docs/banks.md.
    """


@command.command("create")
@click.argument("name")
@click.option(
    "--kind",
    type=click.Choice(BANK_KINDS),
    default="block",
    show_default=True,
    help="block: matches count against content; allow: a match here suppresses "
    "block matches (known-good content).",
)
@click.option(
    "--provenance",
    type=click.Choice(PROVENANCES),
    required=True,
    help="Where the hashes come from.",
)
@click.option(
    "--distance",
    "match_distance",
    type=click.IntRange(0, 63),
    default=31,
    show_default=True,
    help="Largest PDQ Hamming distance that counts as a match.",
)
@click.option(
    "--dihedral/--no-dihedral",
    "match_dihedral",
    default=True,
    show_default=True,
    help="Also match flipped and rotated copies (a query's 8 PDQ dihedral variants).",
)
@click.option(
    "--flood-max",
    type=click.IntRange(1),
    default=None,
    help="Quarantine a hash that matches more than this many times in --flood-window.",
)
@click.option(
    "--flood-window", type=click.IntRange(1), default=None, help="Flood guard window in seconds."
)
@click.option("--description", default="", help="What the bank is for.")
def create(
    name: str,
    kind: str,
    provenance: str,
    match_distance: int,
    match_dihedral: bool,
    flood_max: int | None,
    flood_window: int | None,
    description: str,
) -> None:
    """Create the bank NAME (lower-case letters, digits, '_', '.', '-')."""
    try:
        bank = runtime().banks.create_bank(
            name,
            kind=kind,
            provenance=provenance,
            description=description,
            match_distance=match_distance,
            match_dihedral=match_dihedral,
            flood_max_matches=flood_max,
            flood_window_seconds=flood_window,
            created_by="cli",
        )
    except BankError as exc:
        raise _fail(exc) from None
    echo_json(bank.as_dict())


@command.command("list")
def list_banks() -> None:
    """List banks, one JSON object a line."""
    for bank in runtime().banks.list_banks():
        echo_json(bank.as_dict())


@command.command("add")
@click.argument("bank")
@click.argument("hashes", nargs=-1, required=True)
@click.option(
    "--type",
    "signal_type",
    default="pdq",
    show_default=True,
    help=f"Signal type of the hashes ({SIGNALS}).",
)
@click.option("--external-id", default=None, help="The source's id for these hashes.")
@click.option(
    "--quality",
    type=click.IntRange(0, 100),
    default=None,
    help="PDQ quality, if known; below 50 is refused.",
)
@click.option("--revive", is_flag=True, help="Re-add hashes that were withdrawn or deleted.")
def add(
    bank: str,
    hashes: tuple[str, ...],
    signal_type: str,
    external_id: str | None,
    quality: int | None,
    revive: bool,
) -> None:
    """Add HASHES to BANK. Prints a report; bad hashes are listed by position."""
    entries = [HashEntry(signal_type, h, external_id=external_id, quality=quality) for h in hashes]
    try:
        report = runtime().banks.add_hashes(
            bank, entries, added_by="cli", source="cli", revive_withdrawn=revive
        )
    except (BankError, ValueError) as exc:
        raise _fail(exc) from None
    echo_json(report.as_dict())
    if report.errors:
        sys.exit(1)


@command.command("import")
@click.argument("bank")
@click.argument("file")
@click.option(
    "--format",
    "fmt",
    type=click.Choice([*FORMATS, "auto"]),
    default="auto",
    show_default=True,
    help="threatexchange: '<signal_type> <value>' lines; stopncii: FetchHashes JSON; "
    "csv: header signal_type,value[,external_id,case_numbers,quality,status].",
)
@click.option(
    "--type",
    "default_signal_type",
    default=None,
    help="Signal type for threatexchange lines that hold a bare value.",
)
@click.option("--revive", is_flag=True, help="Re-add hashes that were withdrawn or deleted.")
def import_file(
    bank: str, file: str, fmt: str, default_signal_type: str | None, revive: bool
) -> None:
    """Import FILE ('-' for stdin) into BANK. Bad rows are reported by line
    and skipped; the rest load. StopNCII records marked Withdrawn or Deleted
    are purged. Exits 1 if any row was bad."""
    try:
        report = runtime().banks.import_text(
            bank,
            _read(file),
            fmt,
            added_by="cli",
            default_signal_type=default_signal_type,
            revive_withdrawn=revive,
        )
    except (BankError, ValueError) as exc:
        raise _fail(exc) from None
    echo_json(report.as_dict())
    if report.errors:
        sys.exit(1)


@command.command("export")
@click.argument("bank")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="threatexchange",
    show_default=True,
    help="Output format.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Write to this file instead of stdout.",
)
def export(bank: str, fmt: str, output: str | None) -> None:
    """Export BANK's active hashes (withdrawn ones are gone and not exported)."""
    try:
        text = runtime().banks.export_text(bank, fmt)
    except BankError as exc:
        raise _fail(exc) from None
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


def _image_queries(path: Path) -> list[MatchQuery]:
    from perisai.analysers.image.decode import ImageError
    from perisai.analysers.image.hashes import hash_image

    try:
        hashes = hash_image(path.read_bytes())
    except (ImageError, ValueError, OSError) as exc:
        raise click.BadParameter(f"{path}: {exc}", param_hint="TARGETS") from None
    return [
        MatchQuery("pdq", hashes.pdq, hashes.quality, tuple(hashes.dihedral[1:])),
        MatchQuery("md5", hashes.md5),
    ]


@command.command("match")
@click.argument("targets", nargs=-1, required=True)
@click.option(
    "--type",
    "signal_type",
    default=None,
    help=f"Treat TARGETS as hashes of this type ({SIGNALS}) instead of image files.",
)
def match(targets: tuple[str, ...], signal_type: str | None) -> None:
    """Match image files (PDQ with all 8 rotations/flips, and MD5) or, with
    --type, raw hashes against every enabled bank. Prints one JSON line per
    target; exits 2 if any target matched a block bank."""
    groups: list[tuple[str, list[MatchQuery]]] = []
    for target in targets:
        if signal_type is not None:
            try:
                kind = get_signal_type(signal_type)
                groups.append((target, [MatchQuery(kind.name, kind.validate(target))]))
            except ValueError as exc:
                raise click.BadParameter(f"{target[:80]!r}: {exc}", param_hint="TARGETS") from None
        else:
            groups.append((target, _image_queries(Path(target))))
    flat = [q for _, queries in groups for q in queries]
    results = runtime().banks.match(flat)
    any_match = False
    position = 0
    for target, queries in groups:
        mine = results[position : position + len(queries)]
        position += len(queries)
        any_match |= any(r.matched for r in mine)
        out: dict[str, Any] = {
            "target": target,
            "matched": any(r.matched for r in mine),
            "results": [r.as_dict() for r in mine],
        }
        echo_json(out)
    if any_match:
        sys.exit(2)


@command.command("withdraw")
@click.argument("bank")
@click.argument("value")
@click.option(
    "--type",
    "signal_type",
    default="pdq",
    show_default=True,
    help=f"Signal type of VALUE ({SIGNALS}).",
)
@click.option("--deleted", is_flag=True, help="Record the hash as deleted rather than withdrawn.")
@click.option("--reason", default=None, help="A short reason kept on the tombstone.")
def withdraw(bank: str, value: str, signal_type: str, deleted: bool, reason: str | None) -> None:
    """Purge VALUE from BANK at once. A tombstone remembers only that it was
    withdrawn (or deleted) and when."""
    try:
        record = runtime().banks.withdraw(
            bank, signal_type, value, status="deleted" if deleted else "withdrawn", reason=reason
        )
    except BankError as exc:
        raise _fail(exc) from None
    echo_json(record.as_dict())


@command.command("release")
@click.argument("hash_id", type=int)
@click.option("--reason", default="reviewed", show_default=True, help="Why it was released.")
def release(hash_id: int, reason: str) -> None:
    """Return a hash the flood guard quarantined to matching, after review."""
    try:
        echo_json(runtime().banks.release(hash_id, reason=reason).as_dict())
    except BankError as exc:
        raise _fail(exc) from None


@command.command("stats")
@click.argument("bank", required=False)
def stats(bank: str | None) -> None:
    """Hash counts by signal type and status, and match totals, per bank."""
    try:
        echo_json(runtime().banks.stats(bank))
    except BankError as exc:
        raise _fail(exc) from None


@command.command("enable")
@click.argument("bank")
def enable(bank: str) -> None:
    """Enable BANK: its hashes match again at once."""
    try:
        echo_json(runtime().banks.set_enabled(bank, True).as_dict())
    except BankError as exc:
        raise _fail(exc) from None


@command.command("disable")
@click.argument("bank")
def disable(bank: str) -> None:
    """Disable BANK: its hashes stop matching (they are kept)."""
    try:
        echo_json(runtime().banks.set_enabled(bank, False).as_dict())
    except BankError as exc:
        raise _fail(exc) from None


@command.command("configure")
@click.argument("bank")
@click.option(
    "--distance",
    "match_distance",
    type=click.IntRange(0, 63),
    default=None,
    help="Largest PDQ Hamming distance that counts as a match.",
)
@click.option(
    "--dihedral/--no-dihedral",
    "match_dihedral",
    default=None,
    help="Also match flipped and rotated copies (a query's 8 PDQ dihedral variants).",
)
@click.option("--flood-max", type=click.IntRange(1), default=None, help="Flood guard limit.")
@click.option("--flood-window", type=click.IntRange(1), default=None, help="Window in seconds.")
@click.option("--clear-flood-guard", is_flag=True, help="Turn the flood guard off.")
@click.option("--description", default=None, help="What the bank is for.")
def configure(
    bank: str,
    match_distance: int | None,
    match_dihedral: bool | None,
    flood_max: int | None,
    flood_window: int | None,
    clear_flood_guard: bool,
    description: str | None,
) -> None:
    """Change BANK's settings; options left out keep their value. Takes effect at once."""
    try:
        updated = runtime().banks.configure_bank(
            bank,
            match_distance=match_distance,
            match_dihedral=match_dihedral,
            flood_max_matches=flood_max,
            flood_window_seconds=flood_window,
            clear_flood_guard=clear_flood_guard,
            description=description,
        )
    except BankError as exc:
        raise _fail(exc) from None
    echo_json(updated.as_dict())
