"""``perisai hash FILE...``: print each image's PDQ, MD5 and SHA-256 as JSON lines.

One line per file, in argument order. A file that cannot be read or decoded
gets an error line naming the problem and the run continues; the exit code is
1 if any file failed. Hashing needs no database and no models, so the command
is safe to run on a survivor's own machine (only hashes leave it).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from perisai.analysers.image.decode import ImageError
from perisai.analysers.image.hashes import hash_image


def hash_file(path: Path, dihedral: bool = False) -> dict[str, Any]:
    """The JSON record for one file: hashes, or an ``error`` with a code and message."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        return {"path": str(path), "error": {"code": "unreadable", "message": reason}}
    try:
        hashes = hash_image(data)
    except ImageError as exc:
        return {"path": str(path), "error": exc.to_dict()}
    record: dict[str, Any] = {
        "path": str(path),
        "pdq": hashes.pdq,
        "quality": hashes.quality,
        "md5": hashes.md5,
        "sha256": hashes.sha256,
    }
    if dihedral:
        record["dihedral"] = list(hashes.dihedral)
    return record


@click.command("hash")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--dihedral", is_flag=True, help="Also print the 8 rotated/flipped PDQ hashes.")
def command(files: tuple[Path, ...], dihedral: bool) -> None:
    """Print PDQ (with quality), MD5 and SHA-256 of each image FILE, one JSON line each.

    PDQ hashes with quality below 50 carry too little detail to match on.
    """
    failed = 0
    for path in files:
        record = hash_file(path, dihedral)
        if "error" in record:
            failed += 1
        click.echo(json.dumps(record, ensure_ascii=False))
    if failed:
        click.echo(f"{failed} of {len(files)} file(s) could not be hashed", err=True)
        sys.exit(1)
