"""``perisai eval``: measure trained analysers on labelled files.

``perisai eval prompts FILE.jsonl...`` reads rows ``{id, text, label}``
(``label`` in unsafe_sexual | unsafe_other | benign) or team-corpus rows, and
prints AUROC, TPR at 1% FPR and FPR at 95% TPR per file and per language,
then the worst errors by id and score. Positive = unsafe_sexual, negative =
benign; unsafe_other rows are counted but left out of the metrics. The score
is the max of text.sexual, text.undress_or_sexualise and
text.sexual_violence. Explicit text is only printed with ``--show-text``.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import click
import numpy as np


@click.group(name="eval")
def command() -> None:
    """Evaluate trained analysers on labelled data."""


def _fmt(value: float | None, digits: int = 4) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _metrics_line(label: str, metrics: dict[str, Any]) -> str:
    return (
        f"{label:<28} n={metrics['n']:<6} pos={metrics.get('positives', 0):<5} "
        f"AUROC={_fmt(metrics.get('auroc'))}  TPR@1%FPR={_fmt(metrics.get('tpr_at_1pct_fpr'))}  "
        f"FPR@95%TPR={_fmt(metrics.get('fpr_at_95pct_tpr'))}  "
        f"TPR@thr={_fmt(metrics.get('tpr_at_threshold'))}  FPR@thr={_fmt(metrics.get('fpr_at_threshold'))}"
    )


@command.command(name="prompts")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False, exists=True)
)
@click.option(
    "--threshold",
    type=click.FloatRange(0.0, 1.0),
    default=None,
    help="Operating threshold (default: the model's).",
)
@click.option(
    "--worst",
    type=click.IntRange(min=0),
    default=10,
    show_default=True,
    help="Worst errors to list per file.",
)
@click.option(
    "--show-text", is_flag=True, help="Also print the text of the worst errors (may be explicit)."
)
@click.option(
    "--split",
    type=click.Choice(["all", "train", "test"]),
    default="all",
    show_default=True,
    help="Only rows with this split (corpus rows carry one; shared rows use the fixed hash split).",
)
@click.option(
    "--json-out",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write all figures as JSON.",
)
def eval_prompts(
    files: tuple[Path, ...],
    threshold: float | None,
    worst: int,
    show_text: bool,
    split: str,
    json_out: Path | None,
) -> None:
    """Sexual-vs-benign metrics of the prompt model on FILES.

    Use ``--split test`` on team-corpus or shared files for held-out figures:
    the other rows were used for training.
    """
    from perisai.analysers.text.analyser import TextAnalyser
    from perisai.analysers.text.evaluation import binary_metrics, sexual_score
    from perisai.analysers.text.language import detect_language
    from perisai.analysers.text.training import DataError, load_eval_rows, shared_split

    analyser = TextAnalyser()
    thr = threshold if threshold is not None else analyser.thresholds["sexual"]
    report: dict[str, Any] = {"threshold": thr, "files": {}}
    click.echo(
        f"model {analyser.model.version}; threshold {thr}; positive=unsafe_sexual, negative=benign"
    )
    for path in files:
        try:
            rows = load_eval_rows(path)
        except DataError as exc:
            raise click.ClickException(str(exc)) from exc
        if split != "all":
            rows = [r for r in rows if (r.split or shared_split(r.id)) == split]
        scored = analyser.score_batch([r.text for r in rows], [r.kind for r in rows])
        scores = np.array([sexual_score(s) for s in scored])
        keep = [i for i, r in enumerate(rows) if r.label in ("unsafe_sexual", "benign")]
        y = np.array([1 if rows[i].label == "unsafe_sexual" else 0 for i in keep])
        s = scores[keep]
        other = sum(1 for r in rows if r.label == "unsafe_other")
        click.echo(f"\n== {path} ({len(rows)} rows; {other} unsafe_other rows excluded)")
        file_report: dict[str, Any] = {"overall": binary_metrics(y, s, thr) if keep else {"n": 0}}
        if keep:
            click.echo(_metrics_line("overall", file_report["overall"]))
        by_lang: dict[str, list[int]] = defaultdict(list)
        for j, i in enumerate(keep):
            lang = rows[i].lang or detect_language(rows[i].text) or "unknown"
            by_lang[lang].append(j)
        file_report["by_lang"] = {}
        for lang in sorted(by_lang):
            idx = by_lang[lang]
            metrics = binary_metrics(y[idx], s[idx], thr)
            file_report["by_lang"][lang] = metrics
            click.echo(_metrics_line(f"  lang={lang}", metrics))
        errors = []
        for j, i in enumerate(keep):
            miss = (1.0 - s[j]) if y[j] == 1 else s[j]
            if (y[j] == 1 and s[j] < thr) or (y[j] == 0 and s[j] >= thr):
                errors.append((miss, i))
        errors.sort(reverse=True)
        file_report["worst_errors"] = []
        if errors:
            click.echo(
                f"  worst errors ({len(errors)} at threshold; showing {min(worst, len(errors))}):"
            )
        for _, i in errors[:worst]:
            kind = "missed" if rows[i].label == "unsafe_sexual" else "false flag"
            entry = {
                "id": rows[i].id,
                "label": rows[i].label,
                "score": round(float(scores[i]), 4),
                "error": kind,
            }
            line = f"    {kind:<10} {rows[i].id}  score={scores[i]:.4f}"
            if show_text:
                entry["text"] = rows[i].text
                line += f"  text={json.dumps(rows[i].text, ensure_ascii=False)}"
            file_report["worst_errors"].append(entry)
            click.echo(line)
        report["files"][str(path)] = file_report
    if json_out is not None:
        json_out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
