"""Property-based run of the app's own OpenAPI schema (schemathesis): no server error, and every
response matches the schema (status codes, content types, bodies), with auth on and body limits set.

Bounded (a few examples per operation) so that the run takes well under a minute. The
server-sent-events route is left out: an open stream has no end to check (see test_fleet.py).
The body limit itself is tested in test_limits_and_errors.py.
"""

from __future__ import annotations

import atexit
import tempfile
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from pystator_api import create_app
from pystator_contracts.settings import Settings

API_KEY = "schemathesis-key"


def _app() -> Any:
    # The schema must exist when the tests are collected; the database lives in a temp directory
    # removed at exit.
    directory = tempfile.TemporaryDirectory(prefix="pystator-schemathesis-")
    atexit.register(directory.cleanup)
    db = Path(directory.name) / "api.db"
    return create_app(
        Settings.model_validate({"database": {"url": f"sqlite:///{db}"}, "api": {"keys": API_KEY}})
    )


schema = schemathesis.openapi.from_asgi("/openapi.json", _app()).exclude(path="/api/v1/transitions/stream")


@schema.parametrize()
@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_conforms_to_its_schema(case: Any) -> None:
    # positive_data_acceptance is left out: a schema-valid machine definition or cursor may still be
    # semantically invalid (an unknown state, a forged cursor), and 422 is then the right answer.
    case.call_and_validate(headers={"X-API-Key": API_KEY}, excluded_checks=[positive_data_acceptance])
