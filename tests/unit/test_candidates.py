import pytest

from services.succession.domain import Readiness, assess_candidate, job_fit

STANDARD = {"Integritas": 4, "Pengambilan Keputusan": 4, "Perekat Bangsa": 2}  # Σ required = 10


def test_job_fit_is_against_the_target_standard_and_caps_surpluses() -> None:
    assert job_fit({"Integritas": 5, "Pengambilan Keputusan": 3, "Perekat Bangsa": 2}, STANDARD) == 90.0
    assert job_fit({"Integritas": 4}, STANDARD) == 40.0  # a competency not assessed counts 0
    assert job_fit({"Other": 5}, {}) == 0.0


@pytest.mark.parametrize(
    ("box", "achieved", "readiness"),
    [
        (9, {"Integritas": 4, "Pengambilan Keputusan": 4, "Perekat Bangsa": 2}, Readiness.READY_NOW),
        (8, {"Integritas": 5, "Pengambilan Keputusan": 3, "Perekat Bangsa": 2}, Readiness.READY_NOW),  # fit 90
        (7, {"Integritas": 4, "Pengambilan Keputusan": 4, "Perekat Bangsa": 2}, Readiness.ONE_TO_TWO_YEARS),
        (9, {"Integritas": 4, "Pengambilan Keputusan": 2, "Perekat Bangsa": 2}, Readiness.ONE_TO_TWO_YEARS),  # 80
        (9, {"Integritas": 3, "Pengambilan Keputusan": 2, "Perekat Bangsa": 2}, Readiness.FUTURE),  # 70
    ],
)
def test_readiness_from_box_and_fit(box: int, achieved: dict[str, int], readiness: Readiness) -> None:
    assert assess_candidate(box, achieved, STANDARD, None).readiness is readiness


def test_reasons_explain_the_score_and_name_the_gaps() -> None:
    candidacy = assess_candidate(8, {"Integritas": 4, "Pengambilan Keputusan": 3, "Perekat Bangsa": 2}, STANDARD, None)
    assert candidacy.reasons == ("box 8", "job fit 90% to the position's standard",
                                 "below standard in: Pengambilan Keputusan")
    assert candidacy.score == 40 + 45


def test_a_screened_out_candidate_is_not_a_candidate_and_says_why() -> None:
    candidacy = assess_candidate(9, dict(STANDARD), STANDARD, "hukuman disiplin berat")
    assert candidacy.readiness is Readiness.NOT_A_CANDIDATE and candidacy.score == 0
    assert candidacy.reasons[-1] == "screened out: hukuman disiplin berat"


def test_a_higher_box_outranks_at_equal_fit() -> None:
    achieved = {"Integritas": 4, "Pengambilan Keputusan": 4, "Perekat Bangsa": 2}
    assert assess_candidate(9, achieved, STANDARD, None).score > assess_candidate(8, achieved, STANDARD, None).score
