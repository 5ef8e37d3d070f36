"""Benchmark of the prompt analyser (issue 3): accuracy on the fixed test split,
evasion set, multilingual edit suite, and speed/memory on one and two cores.

    .venv/bin/python bench/text.py            # everything; writes docs/benchmarks/text.md
    .venv/bin/python bench/text.py --quick    # speed on fewer prompts

Speed runs in child processes pinned with ``taskset`` and single-threaded
BLAS/OpenMP, measured after warm-up.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

SINGLE_THREAD_ENV = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1",
}


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024.0
    return float("nan")


def _test_prompts() -> list[tuple[str, str]]:
    from perisai.analysers.text.training import load_corpus, load_shared
    from perisai.cli.train import default_shared_datasets

    rows = load_shared(default_shared_datasets()) + load_corpus(REPO / "data" / "text" / "corpus")
    prompts = [(r.text, r.kind) for r in rows if r.split == "test"]
    # A fixed shuffle, so any first n prompts mix the public sets and every corpus language.
    random.Random(20261202).shuffle(prompts)
    return prompts


def worker_latency(n: int) -> dict[str, Any]:
    """Per-prompt latency on one core, after warm-up (run under taskset -c 0)."""
    started = time.perf_counter()
    from perisai.analysers.text import TextAnalyser
    from perisai.analysers.text.features import routes_to_e5
    from perisai.signals.base import TextSubject

    analyser = TextAnalyser()
    load_s = time.perf_counter() - started
    rss_loaded = _rss_mb()
    prompts = _test_prompts()[:n]
    subjects = [TextSubject(text=t, kind=k) for t, k in prompts]  # type: ignore[arg-type]
    for s in subjects[:50]:
        analyser.analyse(s)
    out: dict[str, Any] = {"load_s": load_s, "rss_after_load_mb": rss_loaded, "n": len(subjects)}
    for cascade in (True, False):
        analyser.cascade = cascade
        times = []
        for s in subjects:
            t0 = time.perf_counter()
            analyser.analyse(s)
            times.append((time.perf_counter() - t0) * 1000.0)
        if cascade:
            routed = sorted(t for t, s in zip(times, subjects, strict=True) if routes_to_e5(s.text))
            out["e5_path"] = {
                "n": len(routed),
                "p50_ms": statistics.median(routed) if routed else float("nan"),
                "p90_ms": routed[int(0.90 * (len(routed) - 1))] if routed else float("nan"),
                "p99_ms": routed[int(0.99 * (len(routed) - 1))] if routed else float("nan"),
                "mean_ms": statistics.fmean(routed) if routed else float("nan"),
            }
        times.sort()
        key = "cascade" if cascade else "no_cascade"
        out[key] = {
            "p50_ms": statistics.median(times),
            "p90_ms": times[int(0.90 * (len(times) - 1))],
            "p99_ms": times[int(0.99 * (len(times) - 1))],
            "mean_ms": statistics.fmean(times),
        }
    out["rss_after_run_mb"] = _rss_mb()
    return out


def worker_batch(n: int, part: int, parts: int) -> dict[str, Any]:
    from perisai.analysers.text import TextAnalyser
    from perisai.signals.base import TextSubject

    analyser = TextAnalyser()
    prompts = _test_prompts()[:n][part::parts]
    subjects = [TextSubject(text=t, kind=k) for t, k in prompts]  # type: ignore[arg-type]
    analyser.analyse_batch(subjects[:64])
    t0 = time.perf_counter()
    for i in range(0, len(subjects), 256):
        analyser.analyse_batch(subjects[i : i + 256])
    return {"n": len(subjects), "seconds": time.perf_counter() - t0}


def _run_child(args: list[str], cpus: str) -> dict[str, Any]:
    env = {**os.environ, **SINGLE_THREAD_ENV}
    cmd = ["taskset", "-c", cpus, sys.executable, __file__, *args]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def measure_speed(n: int) -> dict[str, Any]:
    latency = _run_child(["--worker-latency", str(n)], "0")
    one = _run_child(["--worker-batch", str(n), "0", "1"], "0")
    # two cores: two worker processes, one per core, splitting the prompts
    env = {**os.environ, **SINGLE_THREAD_ENV}
    t0 = time.perf_counter()
    procs = [
        subprocess.Popen(
            [
                "taskset",
                "-c",
                str(core),
                sys.executable,
                __file__,
                "--worker-batch",
                str(n),
                str(core),
                "2",
            ],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        for core in (0, 1)
    ]
    results = [json.loads((p.communicate()[0] or "{}").strip().splitlines()[-1]) for p in procs]
    wall = time.perf_counter() - t0
    total = sum(r["n"] for r in results)
    slowest = max(r["seconds"] for r in results)
    return {
        "latency": latency,
        "batch_one_core_per_s": one["n"] / one["seconds"],
        "batch_two_cores_per_s": total / slowest,
        "two_core_wall_including_load_s": wall,
    }


def measure_accuracy() -> dict[str, Any]:
    from perisai.analysers.text.evaluation import evaluate_examples
    from perisai.analysers.text.model import load_model
    from perisai.analysers.text.training import evasion_set, load_corpus, load_shared
    from perisai.cli.train import default_shared_datasets

    rows = load_shared(default_shared_datasets()) + load_corpus(REPO / "data" / "text" / "corpus")
    test = [r for r in rows if r.split == "test"]
    model = load_model()
    threshold = model.thresholds()["sexual"]
    return {"threshold": threshold, **evaluate_examples(model, test, evasion_set(test), threshold)}


def _f(value: Any, pct: bool = False) -> str:
    if value is None:
        return "n/a"
    return f"{100 * value:.1f}%" if pct else f"{value:.4f}"


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def render(acc: dict[str, Any], speed: dict[str, Any], manifest: dict[str, Any]) -> str:
    sb = acc["sexual_vs_benign"]
    ew = acc["sexual_vs_benign_incl_weak_i2p_and_nibbler"]
    ev = acc.get("evasion", {})
    ed = acc["edit_undress"]
    lat = speed["latency"]
    thr = acc["threshold"]

    def met(ok: bool) -> str:
        return "met" if ok else "NOT met"

    lines = [
        "# Prompt analysis benchmark (text)",
        "",
        f"- date: {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- machine: 2 cores, {_cpu_model()}; load average at the end "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} (above ~0.5: other work shared the CPU)",
        "- command: `.venv/bin/python bench/text.py`",
        f"- model: `{manifest.get('version')}` (seed {manifest.get('seed')}), operating threshold {thr}",
        "",
        "## Targets",
        "",
        "| target | measured | |",
        "|---|---|---|",
        f"| sexual vs benign AUROC >= 0.99 | {_f(sb['auroc'])} | {met((sb['auroc'] or 0) >= 0.99)} |",
        f"| FPR at 95% TPR <= 3% | {_f(sb['fpr_at_95pct_tpr'], True)} | {met((sb['fpr_at_95pct_tpr'] or 1) <= 0.03)} |",
        f"| undress edits detected >= 98% (thr {ed['threshold']}) | {_f(ed['detected'], True)} of {ed['undress_rows']} | {met((ed['detected'] or 0) >= 0.98)} |",
        f"| benign edits flagged <= 2% | {_f(ed['benign_flagged'], True)} of {ed['benign_rows']} | {met((ed['benign_flagged'] or 1) <= 0.02)} |",
        f"| p50 <= 5 ms (one core) | {lat['cascade']['p50_ms']:.2f} ms | {met(lat['cascade']['p50_ms'] <= 5)} |",
        f"| p99 <= 30 ms (one core) | {lat['cascade']['p99_ms']:.2f} ms | {met(lat['cascade']['p99_ms'] <= 30)} |",
        f"| batch >= 300 prompts/s (2 cores) | {speed['batch_two_cores_per_s']:.0f}/s | {met(speed['batch_two_cores_per_s'] >= 300)} |",
        f"| load <= 2 s | {lat['load_s']:.2f} s | {met(lat['load_s'] <= 2)} |",
        f"| resident memory <= 600 MB | {lat['rss_after_run_mb']:.0f} MB | {met(lat['rss_after_run_mb'] <= 600)} |",
        "",
        "## Sexual vs benign on the fixed test split",
        "",
        "Positive = unsafe_sexual, negative = benign, unsafe_other excluded; score = max of the",
        "three sexual heads. Headline rows leave out the noisy positives that training also",
        "leaves out (I2P sexual rows without `strong_sexual`, Nibbler rows with < 3 of 5",
        "validators seeing a sexual image); the second row keeps them.",
        "",
        "| set | n | positives | AUROC | TPR@1%FPR | FPR@95%TPR | TPR@thr | FPR@thr |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]

    def row(name: str, m: dict[str, Any]) -> str:
        return (
            f"| {name} | {m.get('n', 0)} | {m.get('positives', 0)} | {_f(m.get('auroc'))} | "
            f"{_f(m.get('tpr_at_1pct_fpr'), True)} | {_f(m.get('fpr_at_95pct_tpr'), True)} | "
            f"{_f(m.get('tpr_at_threshold'), True)} | {_f(m.get('fpr_at_threshold'), True)} |"
        )

    lines.append(row("test split (clean positives)", sb))
    lines.append(row("test split incl. weak I2P/Nibbler positives", ew))
    lines.append(row("evasion set (test rows rewritten, seed 20260122)", ev))
    lines += [
        "",
        "### By source",
        "",
        "| source | n | positives | AUROC | TPR@1%FPR | FPR@95%TPR | TPR@thr | FPR@thr |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    lines += [row(k, v) for k, v in acc["by_source"].items()]
    lines += [
        "",
        "### By language (team corpus languages; English includes the shared sets)",
        "",
        "| lang | n | positives | AUROC | TPR@1%FPR | FPR@95%TPR | TPR@thr | FPR@thr |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    lines += [row(k, v) for k, v in acc["by_lang"].items()]
    lines += [
        "",
        "## Edit instructions (team corpus, test split)",
        "",
        f"- undress/sexualise edits detected (max sexual score >= {ed['threshold']}): {_f(ed['detected'], True)} of {ed['undress_rows']}",
        f"- same, by the undress head alone: {_f(ed['undress_head_detected'], True)}",
        f"- benign edits flagged: {_f(ed['benign_flagged'], True)} of {ed['benign_rows']}",
        f"- evasion rewrites of the undress edits detected: {_f(ev.get('edit_undress_detected'), True)}",
        "",
        "Trade-off on the same rows (max sexual score >= threshold):",
        "",
        "| threshold | undress edits detected | benign edits flagged |",
        "|---:|---:|---:|",
        *[
            f"| {c['threshold']} | {_f(c['detected'], True)} | {_f(c['benign_flagged'], True)} |"
            for c in acc.get("edit_curve", [])
        ],
        "",
        "## Per signal on the corpus test split",
        "",
        "| signal | n | positives | AUROC | TPR@1%FPR | FPR@95%TPR | TPR@thr | FPR@thr |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    lines += [row(f"text.{k}", v) for k, v in acc["corpus_heads"].items()]
    lines += [
        "",
        "## Speed and memory",
        "",
        "One core: `taskset -c 0`, OMP/BLAS threads = 1, after 50 warm-up prompts, one",
        f"`analyse()` call per prompt over {lat['n']} test-split prompts (a fixed shuffle of",
        "the public sets' and the corpus's test rows).",
        "",
        "| mode | p50 | p90 | p99 | mean |",
        "|---|---:|---:|---:|---:|",
    ]
    for key, name in (
        ("cascade", "shipped (cascade on)"),
        ("e5_path", f"shipped, only the {lat['e5_path']['n']} prompts on the e5 path"),
        ("no_cascade", "embedding on every prompt"),
    ):
        m = lat[key]
        lines.append(
            f"| {name} | {m['p50_ms']:.2f} ms | {m['p90_ms']:.2f} ms | {m['p99_ms']:.2f} ms | {m['mean_ms']:.2f} ms |"
        )
    lines += [
        "",
        f"- fraction of test prompts that needed the embedding stage: {_f(acc.get('embedding_used_fraction'), True)}",
        f"- batch throughput, one core: {speed['batch_one_core_per_s']:.0f} prompts/s (batches of 256)",
        f"- batch throughput, two cores (one process per core): {speed['batch_two_cores_per_s']:.0f} prompts/s",
        f"- load time (new process, import + artifact + embedder warm-up): {lat['load_s']:.2f} s",
        f"- resident memory: {lat['rss_after_load_mb']:.0f} MB after load, {lat['rss_after_run_mb']:.0f} MB after the run",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--worker-latency", type=int)
    parser.add_argument("--worker-batch", nargs=3, type=int)
    args = parser.parse_args()
    if args.worker_latency:
        print(json.dumps(worker_latency(args.worker_latency)))
        return
    if args.worker_batch:
        print(json.dumps(worker_batch(*args.worker_batch)))
        return
    from perisai.analysers.text.model import load_model

    n = 500 if args.quick else 2000
    speed = measure_speed(n)
    print(json.dumps(speed, indent=1))
    acc = measure_accuracy()
    manifest = load_model().manifest
    text = render(acc, speed, manifest)
    out = REPO / "docs" / "benchmarks" / "text.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    print(text)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
