"""``perisai train``: rebuild trained artifacts from the repository's data."""

from __future__ import annotations

import os
from pathlib import Path

import click

REPO_ROOT = Path(__file__).resolve().parents[3]


def default_shared_datasets() -> Path:
    """``$PERISAI_SHARED_DATASETS`` or ``../shared/datasets/prompts`` next to the repo root."""
    env = os.environ.get("PERISAI_SHARED_DATASETS")
    if env:
        return Path(env)
    return REPO_ROOT.parent / "shared" / "datasets" / "prompts"


@click.group(name="train")
def command() -> None:
    """Train models from the repository's data (fixed seeds, versioned artifacts)."""


@command.command(name="text")
@click.option(
    "--shared-datasets",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Shared prompt sets (default: $PERISAI_SHARED_DATASETS or ../shared/datasets/prompts).",
)
@click.option(
    "--corpus",
    type=click.Path(path_type=Path, file_okay=False),
    default=REPO_ROOT / "data" / "text" / "corpus",
    show_default=True,
    help="Team corpus directory (every *.jsonl in it is used).",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Where to write the artifact (default: the package's artifacts directory).",
)
@click.option(
    "--seed", type=int, default=None, help="Random seed (default: the fixed training seed)."
)
@click.option(
    "--limit", type=click.IntRange(min=50), default=None, help="Train on a sample (quick runs)."
)
def train_text(
    shared_datasets: Path | None,
    corpus: Path,
    out: Path | None,
    seed: int | None,
    limit: int | None,
) -> None:
    """Train the prompt model (text.* signals) and write text-model-v2.npz/.json."""
    from perisai.analysers.text.model import ARTIFACT_DIR
    from perisai.analysers.text.training import DEFAULT_SEED, DataError, train

    shared = shared_datasets or default_shared_datasets()
    if not shared.is_dir():
        raise click.UsageError(
            f"shared datasets directory {shared} does not exist; pass --shared-datasets "
            "or set PERISAI_SHARED_DATASETS"
        )
    try:
        manifest = train(
            shared,
            corpus,
            out or ARTIFACT_DIR,
            seed=DEFAULT_SEED if seed is None else seed,
            limit=limit,
            log=click.echo,
        )
    except DataError as exc:
        raise click.ClickException(str(exc)) from exc
    metrics = manifest.get("metrics", {}).get("sexual_vs_benign")
    if metrics:
        click.echo(
            f"test split sexual-vs-benign: AUROC {metrics['auroc']:.4f}, "
            f"FPR@95%TPR {metrics['fpr_at_95pct_tpr']:.4f}"
        )
