"""Kafka topic names: one topic per producing stream, keyed by NIP (or position id for succession)."""

PROFILE_EVENTS = "talenta.profile.events"
ASSESSMENT_EVENTS = "talenta.assessment.events"
TALENT_EVENTS = "talenta.talent.events"
SUCCESSION_EVENTS = "talenta.succession.events"
NOTIFICATION_EVENTS = "talenta.notification.events"

ALL = (PROFILE_EVENTS, ASSESSMENT_EVENTS, TALENT_EVENTS, SUCCESSION_EVENTS, NOTIFICATION_EVENTS)


def dead_letter(topic: str) -> str:
    """The dead-letter topic that holds what a consumer of `topic` could not process."""
    return f"{topic}.dlq"
