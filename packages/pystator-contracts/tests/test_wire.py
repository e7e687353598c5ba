"""Wire models: requests refuse unknown fields, records ignore them (forward compatible), every
timestamp is timezone-aware, and values round-trip through JSON."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import pytest
from pydantic import ValidationError

from pystator_contracts import ErrorCode
from pystator_contracts.wire import (
    ActionPlan,
    EntitySnapshot,
    ErrorBody,
    EventEnvelope,
    LintFinding,
    ProcessRequest,
    ProcessResponse,
    TimerPlan,
    TransitionRecord,
    ValidateRequest,
    ValidationReport,
)

MACHINE = {"states": [{"name": "a", "type": "initial"}], "transitions": []}


def test_event_envelope_defaults_and_round_trip() -> None:
    envelope = EventEnvelope(machine_name="order", entity_id="order-1", trigger="fill", payload={"qty": 5})
    assert isinstance(envelope.event_id, UUID)
    assert envelope.created_at.tzinfo is not None
    assert envelope.attempt == 0
    assert EventEnvelope.model_validate_json(envelope.model_dump_json()) == envelope


def test_naive_timestamps_are_refused() -> None:
    with pytest.raises(ValidationError, match="timezone"):
        EntitySnapshot(machine_name="order", entity_id="e", state="open", updated_at=datetime(2024, 1, 1))


def test_records_ignore_unknown_fields_and_requests_refuse_them() -> None:
    record = TransitionRecord.model_validate(
        {
            "machine_name": "order",
            "entity_id": "e",
            "trigger": "fill",
            "source_state": "open",
            "target_state": "filled",
            "success": True,
            "version": 3,
            "actions": [{"name": "notify", "phase": "enter", "state": "filled"}],
            "added_in_a_later_version": 1,
        }
    )
    assert record.actions == [ActionPlan(name="notify", phase="enter", state="filled")]
    with pytest.raises(ValidationError, match="Extra inputs"):
        ProcessRequest.model_validate({"machine": MACHINE, "trigger": "go", "contxt": {}})


def test_process_request_needs_exactly_one_machine() -> None:
    assert ProcessRequest(machine=MACHINE, trigger="go").current_state is None
    assert ProcessRequest(machine_id="m1", trigger="go", context={"x": 1}).machine_id == "m1"
    for bad in ({"trigger": "go"}, {"machine": MACHINE, "machine_id": "m1", "trigger": "go"}):
        with pytest.raises(ValidationError, match="exactly one of 'machine'"):
            ProcessRequest.model_validate(bad)


def test_process_response_and_error_body() -> None:
    error = ErrorBody(status=422, code=ErrorCode.GUARD_REJECTED, message="guard is_full rejected")
    response = ProcessResponse(
        success=False,
        source_state="open",
        trigger="fill",
        error=error,
        timers_to_start=[TimerPlan(timer_id="t", state="open", delay_ms=500, trigger="expire")],
        metadata={"reason": "guard_rejected"},
    )
    dumped = response.model_dump(mode="json")
    assert dumped["error"]["code"] == "GUARD_REJECTED"
    assert ProcessResponse.model_validate(dumped) == response
    with pytest.raises(ValidationError):
        ErrorBody(status=200, code=ErrorCode.CONFIG, message="ok is not an error")
    with pytest.raises(ValidationError):
        ErrorBody.model_validate({"status": 400, "code": "NOT_A_CODE", "message": "x"})


def test_validation_report() -> None:
    ValidateRequest(machine=MACHINE)
    report = ValidationReport(
        valid=True,
        warnings=[LintFinding(code="dead_end", severity="warning", path="states[1]", message="...")],
    )
    assert ValidationReport.model_validate_json(report.model_dump_json()) == report
    with pytest.raises(ValidationError):
        LintFinding(code="x", severity="fatal", path="p", message="m")  # type: ignore[arg-type]


def test_snapshot_versions_are_not_negative() -> None:
    with pytest.raises(ValidationError):
        EntitySnapshot(machine_name="m", entity_id="e", state="s", version=-1)
    snapshot = EntitySnapshot(
        machine_name="m", entity_id="e", state="s", version=2, updated_at=datetime.now(UTC)
    )
    assert EntitySnapshot.model_validate_json(snapshot.model_dump_json()) == snapshot
