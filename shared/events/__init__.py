"""Event contracts: the envelope, typed payloads and topic names."""

from shared.events.envelope import ContractViolation, Envelope, EventData

__all__ = ["ContractViolation", "Envelope", "EventData"]
