"""The event envelope (CloudEvents-aligned) and the base of every typed payload."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar, Self, TypeVar

from opentelemetry import propagate
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator


class ContractViolation(ValueError):
    """An event whose type or schema version is not the one the consumer understands."""


class EventData(BaseModel):
    """A typed payload. Each subclass names its event type, schema version and topic."""

    model_config = ConfigDict(frozen=True, extra="ignore")  # new optional fields never break old consumers

    event_type: ClassVar[str]
    schema_version: ClassVar[int] = 1
    topic: ClassVar[str]


DataT = TypeVar("DataT", bound=EventData)


class Envelope(BaseModel):
    """What travels on Kafka. `subject` is also the Kafka key."""

    model_config = ConfigDict(frozen=True)

    event_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    type: str
    source: str
    subject: str
    occurred_at: AwareDatetime
    schema_version: int = 1
    correlation_id: uuid.UUID
    causation_id: uuid.UUID | None = None
    traceparent: str | None = None
    data: dict[str, Any]

    @field_validator("occurred_at")
    @classmethod
    def _in_utc(cls, value: datetime) -> datetime:
        return value.astimezone(UTC)

    @classmethod
    def wrap(
        cls,
        data: EventData,
        *,
        source: str,
        subject: str,
        caused_by: Envelope | None = None,
        occurred_at: datetime | None = None,
        traceparent: str | None = None,
    ) -> Self:
        """A new envelope for `data`. Causation and correlation follow `caused_by`, when given; the
        traceparent is the current trace context's unless given (many envelopes of one context)."""
        if traceparent is None:
            carrier: dict[str, str] = {}
            propagate.inject(carrier)
            traceparent = carrier.get("traceparent")
        event_id = uuid.uuid4()
        return cls(
            event_id=event_id,
            type=data.event_type,
            source=source,
            subject=subject,
            occurred_at=occurred_at or datetime.now(UTC),
            schema_version=data.schema_version,
            correlation_id=caused_by.correlation_id if caused_by else event_id,
            causation_id=caused_by.event_id if caused_by else None,
            traceparent=traceparent,
            data=data.model_dump(mode="json"),
        )

    def payload(self, model: type[DataT]) -> DataT:
        """The typed payload; raises pydantic's ValidationError when the data breaks the contract."""
        if (self.type, self.schema_version) != (model.event_type, model.schema_version):
            raise ContractViolation(f"{self.type} v{self.schema_version} is not {model.event_type} v{model.schema_version}")
        return model.model_validate(self.data)

    def to_bytes(self) -> bytes:
        return self.model_dump_json().encode()
