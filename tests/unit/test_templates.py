import uuid
from datetime import UTC, date, datetime

import pytest

from services.notification.templates import BOX_NAMES_ID, RECOMMENDATIONS_ID, assessment_completed, talent_reclassified
from services.succession.domain import RECOMMENDATIONS
from shared.events.schemas import AssessmentCompleted, CompetencyGap, TalentReclassified


def _event(from_box: int | None, to_box: int | None, reasons: list[str] | None = None) -> TalentReclassified:
    return TalentReclassified(
        nip="198609262015051001", agency_id="kab-a", from_box=from_box, to_box=to_box,
        performance_level="sesuai_ekspektasi" if to_box else None, potential_level="tinggi" if to_box else None,
        reasons=reasons or [], recommendations=list(RECOMMENDATIONS[to_box]) if to_box else [],
        cause_event_id=uuid.uuid4(), placed_at=datetime.now(UTC),
    )


@pytest.mark.parametrize("box", range(1, 10))
def test_every_box_renders_in_both_languages(box: int) -> None:
    rendered = talent_reclassified(_event(None, box), "Siti Rahayu")
    assert rendered["id"].title == f"Pemetaan talenta Anda: kotak {box}"
    assert rendered["en"].title == f"Your talent placement: box {box}"
    assert "Yth. Siti Rahayu," in rendered["id"].body and "Dear Siti Rahayu," in rendered["en"].body
    assert BOX_NAMES_ID[box] in rendered["id"].body
    assert all(r in rendered["id"].body for r in RECOMMENDATIONS_ID[box])  # Indonesian advice for the ASN
    assert all(r in rendered["en"].body for r in RECOMMENDATIONS[box])


def test_a_move_names_the_box_it_came_from() -> None:
    rendered = talent_reclassified(_event(5, 8), None)
    assert "dari kotak 5 ke Kotak 8" in rendered["id"].body and "from box 5 to box 8" in rendered["en"].body
    assert rendered["id"].body.startswith("Yth. Bapak/Ibu,")


def test_unmapped_says_why() -> None:
    rendered = talent_reclassified(_event(5, None, ["unmapped: the assessment expired on 2026-01-01"]), "Budi")
    assert "belum dapat ditetapkan" in rendered["id"].title
    assert "expired on 2026-01-01" in rendered["en"].body


def _completed(jpm: float, level: str, gaps: list[tuple[str, int, int]]) -> AssessmentCompleted:
    return AssessmentCompleted(
        nip="198609262015051001", agency_id="kab-a", assessment_id="a1", assessed_on=date(2026, 6, 1), method="cact",
        jpm=jpm, potential_level=level, valid_until=date(2029, 6, 1), policy_version="default-1",
        gaps=[CompetencyGap(competency=c, required=r, achieved=a, gap=max(0, r - a)) for c, r, a in gaps],
    )


def test_assessment_results_name_the_competencies_to_develop_in_both_languages() -> None:
    event = _completed(80.0, "menengah", [("Integritas", 3, 3), ("Pengambilan Keputusan", 4, 2)])
    rendered = assessment_completed(event, "Siti")
    assert rendered["id"].title == "Hasil penilaian kompetensi Anda tersedia"
    assert "job-person match 80%" in rendered["id"].body and "potensial menengah" in rendered["id"].body
    assert "Pengambilan Keputusan (level 2 dari 4)" in rendered["id"].body and "Integritas" not in rendered["id"].body
    assert "potential medium" in rendered["en"].body and "Pengambilan Keputusan (level 2 of 4)" in rendered["en"].body


def test_assessment_without_gaps_says_every_competency_meets_the_standard() -> None:
    rendered = assessment_completed(_completed(100.0, "tinggi", [("Integritas", 3, 4)]), None)
    assert "Semua kompetensi memenuhi standar jabatan." in rendered["id"].body
    assert rendered["en"].body.startswith("Dear colleague,")
