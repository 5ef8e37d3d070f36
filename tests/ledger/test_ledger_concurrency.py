"""Several processes append to one database: one chain, nothing lost."""

from __future__ import annotations

import multiprocessing

import ledger_procs
import pytest

from perisai.ledger import Ledger

WORKERS = 4
PER_WORKER = 200


@pytest.mark.slow
def test_processes_never_fork_the_chain(db_url: str, ledger: Ledger) -> None:
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(WORKERS) as pool:
        counts = pool.starmap(
            ledger_procs.append_worker, [(db_url, w, PER_WORKER) for w in range(WORKERS)]
        )
    assert counts == [PER_WORKER] * WORKERS
    report = ledger.verify()
    assert report.ok, report.problems[:5]
    assert report.entries_checked == WORKERS * PER_WORKER
    seen = sorted((e.payload["worker"], e.payload["i"]) for e in ledger.entries())
    assert seen == [(w, i) for w in range(WORKERS) for i in range(PER_WORKER)]
    assert [e.seq for e in ledger.entries()] == list(range(1, WORKERS * PER_WORKER + 1))
    assert ledger.recorded_head() == (report.head_seq, report.head_hash)
