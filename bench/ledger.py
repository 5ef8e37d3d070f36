"""Ledger benchmark: append throughput and verification speed.

    .venv/bin/python bench/ledger.py [--backend sqlite|postgres|both] [--n 20000]
                                     [--verify-n 1000000]

Targets (issue 2): >= 5,000 decisions/s appended on SQLite and >= 2,000/s on
PostgreSQL with ~1 KB decision payloads, batched; verifying 1M entries in
<= 30 s. Single-append-per-transaction throughput is reported too. Writes
docs/benchmarks/ledger.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import create_engine, text

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from perisai.ledger import Ledger, LedgerWriter, canonical_json  # noqa: E402
from perisai.ledger.checkpoints import CheckpointSigner, generate_key_pair  # noqa: E402
from perisai.storage.db import Database  # noqa: E402

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def decision_payload(i: int) -> dict[str, Any]:
    """Shaped like Decision.ledger_payload(): about 1 KB of canonical JSON."""
    return {
        "decision_id": f"dec_{uuid.UUID(int=i).hex}",
        "created_at": "2026-01-05T09:14:03.120391+00:00",
        "action": ["allow", "review", "block"][i % 3],
        "categories": ["sexualised_real_person", "non_consensual_edit"] if i % 3 else [],
        "scores": {"sexualised_real_person": 0.9132, "minor_risk": 0.0412, "nudity": 0.8871},
        "risk": 0.9132,
        "reasons": [
            {
                "rule": "block-undressing-real-person",
                "category": "sexualised_real_person",
                "action": "block",
                "score": 0.9132,
                "message": "Request asks to remove or reduce clothing of a real, identifiable person.",
                "signals": [
                    {"name": "text.undress_intent", "score": 0.94, "source": "text/lexicon+e5"},
                    {"name": "image.real_person", "score": 0.97, "source": "image/face"},
                ],
            }
        ],
        "user_message": "This request can't be completed: it would sexualise a real person.",
        "escalations": [],
        "policy_version": "2026-01-demo",
        "request_fingerprint": f"{i:064x}",
        "kind": "edit",
        "jurisdiction": "MY",
        "account": f"acct_{i % 5000:06d}",
        "timings_ms": {"text": 3.121, "image": 41.877, "policy": 0.212},
        "signals": [
            {
                "name": "text.undress_intent",
                "score": 0.94,
                "source": "text/lexicon+e5",
                "evidence": [{"kind": "span", "start": 12, "end": 20}],
            },
            {"name": "image.real_person", "score": 0.97, "source": "image/face", "evidence": []},
            {"name": "image.nsfw", "score": 0.31, "source": "image/opennsfw", "evidence": []},
        ],
    }


def fresh_database(backend: str, workdir: Path) -> tuple[Database, Any]:
    if backend == "sqlite":
        db = Database(f"sqlite:///{workdir / f'ledger-{uuid.uuid4().hex[:8]}.db'}")
        db.upgrade("ledger@head")
        return db, None
    base = os.environ.get("PERISAI_TEST_POSTGRES_URL", DEFAULT_PG)
    schema = f"ledger_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    db = Database(f"{base}?options={quote(f'-csearch_path={schema}')}")
    db.upgrade("ledger@head")

    def drop() -> None:
        db.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    return db, drop


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:,.0f}/s"


class Timer:
    """Wall-clock and this process's CPU time. On a shared machine the CPU
    figure (entries per CPU-second of the Perisai process) is the steadier
    one; database server CPU (PostgreSQL) is not included in it."""

    def __enter__(self) -> Timer:
        self.wall = time.perf_counter()
        self.cpu = time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu

    def rates(self, count: int) -> str:
        return f"{rate(count, self.wall)} wall; {rate(count, max(self.cpu, 1e-9))} per CPU-second"


def run_backend(
    backend: str, args: argparse.Namespace, workdir: Path
) -> list[tuple[str, str, str]]:
    rows: list[tuple[str, str, str]] = []
    payloads = [decision_payload(i) for i in range(args.n)]
    size = sum(len(canonical_json(p).encode()) for p in payloads[:100]) / 100
    print(f"[{backend}] payload size ~{size:.0f} bytes", flush=True)
    key = workdir / f"bench-{uuid.uuid4().hex[:6]}.pem"
    generate_key_pair(key)
    signer = CheckpointSigner.from_pem_file(key)

    # 1. Batched appends through append_many (checkpoint every 1000, signed).
    db, drop = fresh_database(backend, workdir)
    try:
        ledger = Ledger(db, signer=signer, checkpoint_every=1000)
        with Timer() as timer:
            for lo in range(0, args.n, args.batch):
                ledger.append_many(
                    [("decision", p, p["decision_id"]) for p in payloads[lo : lo + args.batch]]
                )
        rows.append(
            (
                backend,
                f"append_many, batches of {args.batch} ({args.n:,} entries)",
                timer.rates(args.n),
            )
        )
        print(f"[{backend}] {rows[-1][1]}: {rows[-1][2]}", flush=True)

        # 2. The batching writer with 8 producer threads (the gate's hot path).
        n = args.n
        with Timer() as timer, LedgerWriter(ledger, max_batch=args.batch) as writer:

            def produce(part: int) -> None:
                futures = [
                    writer.submit("decision", p, p["decision_id"]) for p in payloads[part::8]
                ]
                for f in futures:
                    f.result()

            threads = [threading.Thread(target=produce, args=(t,)) for t in range(8)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        rows.append((backend, f"LedgerWriter, 8 threads ({n:,} entries)", timer.rates(n)))
        print(f"[{backend}] {rows[-1][1]}: {rows[-1][2]}", flush=True)

        # 3. One append per transaction.
        single = min(args.single_n, args.n)
        with Timer() as timer:
            for p in payloads[:single]:
                ledger.append("decision", p, p["decision_id"])
        rows.append(
            (backend, f"append, one per transaction ({single:,} entries)", timer.rates(single))
        )
        print(f"[{backend}] {rows[-1][1]}: {rows[-1][2]}", flush=True)
    finally:
        if drop:
            drop()
        else:
            db.dispose()

    # 4. Verify a large ledger.
    if args.verify_n:
        db, drop = fresh_database(backend, workdir)
        try:
            ledger = Ledger(db, signer=signer, checkpoint_every=1000)
            made = 0
            with Timer() as timer:
                while made < args.verify_n:
                    size_now = min(10_000, args.verify_n - made)
                    ledger.append_many(
                        [
                            ("decision", payloads[(made + j) % len(payloads)], f"dec_{made + j}")
                            for j in range(size_now)
                        ]
                    )
                    made += size_now
            rows.append(
                (
                    backend,
                    f"build: append_many, batches of 10,000 ({made:,} entries)",
                    f"{timer.rates(made)} ({timer.wall:.0f} s)",
                )
            )
            print(f"[{backend}] {rows[-1][1]}: {rows[-1][2]}", flush=True)
            with Timer() as timer:
                report = ledger.verify()
            assert report.ok, report.problems[:3]
            rows.append(
                (
                    backend,
                    f"verify {report.entries_checked:,} entries + "
                    f"{report.checkpoints_checked:,} checkpoints",
                    f"{timer.wall:.1f} s wall ({rate(report.entries_checked, timer.wall)}); "
                    f"{timer.cpu:.1f} s CPU in the verifier process",
                )
            )
            print(f"[{backend}] {rows[-1][1]}: {rows[-1][2]}", flush=True)
        finally:
            if drop:
                drop()
            else:
                db.dispose()
    return rows


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--n", type=int, default=20_000, help="entries for the append benchmarks")
    parser.add_argument("--batch", type=int, default=1000, help="entries per append_many call")
    parser.add_argument(
        "--single-n", type=int, default=2000, help="entries for one-per-transaction"
    )
    parser.add_argument(
        "--verify-n", type=int, default=1_000_000, help="entries to build and verify (0: skip)"
    )
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "benchmarks" / "ledger.md")
    args = parser.parse_args()

    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    rows: list[tuple[str, str, str]] = []
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="perisai-ledger-bench-") as tmp:
        for backend in backends:
            rows.extend(run_backend(backend, args, Path(tmp)))

    command = "python bench/ledger.py " + " ".join(sys.argv[1:])
    lines = [
        "# Ledger benchmark",
        "",
        f"- Date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- Machine: {os.cpu_count()} cores, {cpu_model()}; Python {platform.python_version()}",
        f"- Command: `{command.strip()}`",
        f"- Load average (1 min) at start / end: {load_before:.1f} / {os.getloadavg()[0]:.1f}",
        "- Payload: decision-shaped JSON of about 1 KB (see `decision_payload` in the script);",
        "  checkpoints signed (Ed25519) every 1,000 entries; SQLite in WAL mode with",
        "  synchronous=NORMAL; PostgreSQL 127.0.0.1 with default settings.",
        "- Wall-clock figures depend on what else shares the two cores (see the load average);",
        "  'per CPU-second' counts only this benchmark process's CPU time (for PostgreSQL the",
        "  server's own CPU is not included), a steadier measure on a shared machine.",
        "",
        "| Backend | Measurement | Result |",
        "|---|---|---|",
        *[f"| {b} | {m} | {r} |" for b, m, r in rows],
        "",
        "Targets: >= 5,000 appends/s (SQLite) and >= 2,000/s (PostgreSQL) batched;",
        "verify 1M entries in <= 30 s.",
        "",
    ]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
