"""Fixtures for the cases tests: a case service on a fresh SQLite database
with a clock the test moves, and benign images (scikit-image samples) with
near-copies (re-encoded JPEG, resized)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from cases_support import FakeClock, jpeg
from skimage import data as skdata

from perisai.banks import BankService
from perisai.cases import CaseService, SqlitePlatform
from perisai.gate.evidence import load_or_create_key
from perisai.runtime import Runtime


@pytest.fixture(scope="session")
def images() -> dict[str, bytes]:
    return {
        "astronaut": jpeg(skdata.astronaut()),
        "astronaut_q60": jpeg(skdata.astronaut(), quality=60),
        "astronaut_half": jpeg(skdata.astronaut(), scale=0.5),
        "coffee": jpeg(skdata.coffee()),
        "chelsea": jpeg(skdata.chelsea()),
        "rocket": jpeg(skdata.rocket()),
    }


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def service(runtime: Runtime, clock: FakeClock) -> Iterator[CaseService]:
    banks = BankService(runtime.db, clock=clock)
    svc = CaseService(
        runtime.db,
        runtime.policy,
        runtime.ledger,
        banks,
        SqlitePlatform(runtime.db, clock=clock),
        load_or_create_key(runtime.settings.data_dir / "cases.key"),
        clock=clock,
        pin_cost=2**10,
    )
    yield svc
