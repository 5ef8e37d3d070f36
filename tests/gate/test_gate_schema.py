"""Property-based API test (schemathesis) of ``/v1/gate/*`` and
``/v1/decisions`` against the app's own OpenAPI document, in-process over
ASGI: no server error for any generated request (valid or not), and every
response conforms to what the document says (status codes, media types,
schemas).

The schema is loaded at import (schemathesis' lazy ``from_fixture`` loader
reads ``request.node._nodeid``, which pytest 9 no longer has), from an app on
a runtime in a temporary directory removed at exit.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path
from typing import Any

import schemathesis
from gate_support import make_gate
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import positive_data_acceptance

from perisai.api import create_app
from perisai.config import Settings
from perisai.runtime import Runtime

_DATA = Path(tempfile.mkdtemp(prefix="perisai-schema-"))
_RUNTIME = Runtime(Settings(data_dir=_DATA, database_url=f"sqlite:///{_DATA / 'schema.db'}"))
# The gate as in the other HTTP tests (trained text model when it loads).
_RUNTIME.__dict__["gate"] = make_gate(_RUNTIME)
_TOKEN, _ = _RUNTIME.keys.create("admin", "schemathesis")
AUTH = {"Authorization": f"Bearer {_TOKEN}"}
atexit.register(shutil.rmtree, _DATA, ignore_errors=True)
atexit.register(_RUNTIME.close)

schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(_RUNTIME)).include(
    path_regex=r"^/v1/(gate/|decisions)"
)


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_gate_api_has_no_server_errors(case: Any) -> None:
    case.call_and_validate(headers=AUTH, checks=[not_a_server_error])


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_gate_api_conforms_to_its_openapi(case: Any) -> None:
    """The default checks: documented status codes and media types (the
    problem+json errors 400, 401, 403, 404, 413, 415, 422 must be declared on
    each operation), response schemas, and that data violating the schema is
    refused. ``positive_data_acceptance`` is left out: an OpenAPI schema
    cannot say "a decodable photo", so schema-valid bytes are rightly refused."""
    case.call_and_validate(headers=AUTH, excluded_checks=[positive_data_acceptance])
