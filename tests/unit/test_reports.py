from datetime import UTC, datetime

from services.succession.domain import Placed, box_on, movement


def at(month: int) -> datetime:
    return datetime(2026, month, 1, tzinfo=UTC)


def test_box_on_a_date() -> None:
    history = [Placed(None, at(1)), Placed(5, at(3)), Placed(8, at(6))]
    assert box_on(history, datetime(2025, 12, 1, tzinfo=UTC)) == "not yet placed"
    assert box_on(history, at(2)) is None  # unmapped then
    assert box_on(history, at(3)) == 5  # a placement counts from its own moment
    assert box_on(history, at(12)) == 8


def test_movement_counts_naik_kelas_and_the_rest() -> None:
    histories = [
        [Placed(5, at(1)), Placed(7, at(5))],  # 5 → 7: naik kelas
        [Placed(8, at(1)), Placed(6, at(5))],  # 8 → 6: down
        [Placed(5, at(1))],  # 5 → 5
        [Placed(None, at(1)), Placed(2, at(5))],  # unmapped → 2: newly mapped
        [Placed(9, at(8))],  # placed only after the end: not counted
        [Placed(4, at(4))],  # not yet placed at the start → 4: newly mapped
    ]
    moved = movement(histories, at(2), at(6))
    assert (moved.naik_kelas, moved.turun, moved.tetap, moved.newly_mapped) == (1, 1, 1, 2)
    assert moved.transitions == {(5, 7): 1, (8, 6): 1, (5, 5): 1, (None, 2): 1, (None, 4): 1}
