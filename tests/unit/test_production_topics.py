"""The production topic declarations follow the topics the code uses."""

from deploy.production.topics import FILE, render
from shared.events.topics import ALL, dead_letter


def test_the_pinned_topic_declarations_are_generated_from_the_code() -> None:
    assert FILE.read_text() == render(), "run: python -m deploy.production.topics --write"


def test_every_topic_and_its_dead_letter_topic_is_declared_and_event_topics_keep_everything() -> None:
    text = render()
    for topic in ALL:
        assert f"topicName: {topic}\n" in text and f"topicName: {dead_letter(topic)}\n" in text
    assert text.count('retention.ms: "-1"') == len(ALL)
