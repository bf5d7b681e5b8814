import uuid
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from shared.events import ContractViolation, Envelope
from shared.events.schemas import AssessmentCompleted, CompetencyGap, PerformanceRated, TalentReclassified


def _completed() -> AssessmentCompleted:
    return AssessmentCompleted(
        nip="198609262015051001", agency_id="kab-x", assessment_id="a-1", assessed_on=date(2026, 3, 1),
        method="cact", jpm=82.5, potential_level="menengah", valid_until=date(2029, 3, 1),
        gaps=[CompetencyGap(competency="Integritas", required=3, achieved=2, gap=1)], policy_version="default-1",
    )


def test_round_trip_through_bytes_keeps_every_field() -> None:
    envelope = Envelope.wrap(_completed(), source="assessment", subject="198609262015051001")
    again = Envelope.model_validate_json(envelope.to_bytes())
    assert again == envelope
    assert again.payload(AssessmentCompleted) == _completed()


def test_causation_and_correlation_follow_the_causing_event() -> None:
    first = Envelope.wrap(_completed(), source="assessment", subject="198609262015051001")
    second = Envelope.wrap(
        TalentReclassified(nip="198609262015051001", agency_id="kab-x", from_box=None, to_box=5,
                           performance_level="sesuai_ekspektasi", potential_level="menengah", reasons=[],
                           recommendations=[], cause_event_id=first.event_id, placed_at=datetime.now(UTC)),
        source="succession", subject="198609262015051001", caused_by=first,
    )
    assert second.causation_id == first.event_id
    assert second.correlation_id == first.correlation_id == first.event_id
    assert second.event_id != first.event_id


def test_occurred_at_is_normalised_to_utc() -> None:
    wib = timezone(timedelta(hours=7))
    envelope = Envelope.wrap(_completed(), source="assessment", subject="x", occurred_at=datetime(2026, 1, 1, 7, tzinfo=wib))
    assert envelope.occurred_at == datetime(2026, 1, 1, 0, tzinfo=UTC)
    assert envelope.occurred_at.utcoffset() == timedelta(0)


def test_envelope_is_frozen() -> None:
    envelope = Envelope.wrap(_completed(), source="assessment", subject="x")
    with pytest.raises(ValidationError):
        envelope.subject = "y"  # type: ignore[misc]


def test_payload_of_another_type_is_a_contract_violation() -> None:
    envelope = Envelope.wrap(_completed(), source="assessment", subject="x")
    with pytest.raises(ContractViolation):
        envelope.payload(PerformanceRated)


def test_a_newer_schema_version_is_not_read_as_the_old_one() -> None:
    envelope = Envelope.wrap(_completed(), source="assessment", subject="x").model_copy(update={"schema_version": 2})
    with pytest.raises(ContractViolation):
        envelope.payload(AssessmentCompleted)


def test_unknown_payload_fields_are_ignored_so_producers_can_add_optional_fields() -> None:
    envelope = Envelope.wrap(_completed(), source="assessment", subject="x")
    extended = envelope.model_copy(update={"data": {**envelope.data, "new_optional_field": 1}})
    assert extended.payload(AssessmentCompleted) == _completed()


def test_missing_payload_field_is_rejected() -> None:
    envelope = Envelope.wrap(_completed(), source="assessment", subject="x")
    broken = envelope.model_copy(update={"data": {k: v for k, v in envelope.data.items() if k != "jpm"}})
    with pytest.raises(ValidationError, match="jpm"):
        broken.payload(AssessmentCompleted)


def test_naive_occurred_at_is_rejected() -> None:
    raw = Envelope.wrap(_completed(), source="assessment", subject="x").model_dump(mode="json")
    raw["occurred_at"] = "2026-01-01T00:00:00"
    with pytest.raises(ValidationError, match="occurred_at"):
        Envelope.model_validate(raw)


def test_event_ids_are_unique() -> None:
    ids = {Envelope.wrap(_completed(), source="a", subject="x").event_id for _ in range(100)}
    assert len(ids) == 100 and all(isinstance(i, uuid.UUID) for i in ids)
