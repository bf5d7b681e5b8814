from datetime import UTC, date, datetime, timedelta

import pytest

from services.profile.data_quality import ProfileFacts, assess

NOW = datetime(2026, 11, 29, tzinfo=UTC)


def complete(**changes: object) -> ProfileFacts:
    facts = dict(nip="198609262015051001", name="Budi", sex="male", birth_date=date(1986, 9, 26),
                 email="budi@kab-a.go.id", unit_id="bkd", position_type="pengawas", golongan="III/c",
                 positions_start=[date(2015, 5, 1)], ranks_tmt=[date(2015, 5, 1)],
                 portfolio_kinds=frozenset({"education", "training"}), last_updated=NOW)
    facts.update(changes)
    return ProfileFacts(**facts)  # type: ignore[arg-type]


def test_complete_current_consistent_data_scores_100() -> None:
    quality = assess(complete(), now=NOW)
    assert quality.score == 100 and quality.failed == []


@pytest.mark.parametrize(
    ("changes", "dimension", "code"),
    [
        ({"email": None}, "completeness", "email"),
        ({"unit_id": None}, "completeness", "unit"),
        ({"positions_start": []}, "completeness", "position_history"),
        ({"ranks_tmt": []}, "completeness", "rank_history"),
        ({"portfolio_kinds": frozenset({"training"})}, "completeness", "education"),
        ({"portfolio_kinds": frozenset({"education", "award"})}, "completeness", "training"),
        ({"last_updated": NOW - timedelta(days=366)}, "timeliness", "updated_within_12_months"),
        ({"nip": "19860926201505100"}, "accuracy", "nip_valid"),
        ({"email": "budi-at-kab-a"}, "accuracy", "email_valid"),
        ({"golongan": "V/a"}, "accuracy", "golongan_valid"),
        ({"golongan": "IX"}, "accuracy", "golongan_valid"),  # a PPPK grade, on a PNS
        ({"employment_status": "pppk"}, "accuracy", "golongan_valid"),  # a PNS golongan, on a PPPK
        ({"birth_date": date(1986, 9, 27)}, "consistency", "nip_matches_birth_date_and_sex"),
        ({"sex": "female"}, "consistency", "nip_matches_birth_date_and_sex"),
        ({"positions_start": [date(2014, 1, 1)]}, "consistency", "first_position_after_tmt_cpns"),
    ],
)
def test_each_check_fails_alone_and_names_what_to_fix(changes: dict[str, object], dimension: str, code: str) -> None:
    quality = assess(complete(**changes), now=NOW)
    assert [(c.dimension, c.code) for c in quality.failed] == [(dimension, code)]
    assert quality.failed[0].message
    assert quality.dimensions[dimension] < 100
    assert quality.score < 100
    assert all(v == 100 for d, v in quality.dimensions.items() if d != dimension)


def test_exactly_twelve_months_is_still_timely() -> None:
    assert assess(complete(last_updated=NOW - timedelta(days=365)), now=NOW).score == 100


def test_score_is_the_mean_of_the_four_dimensions() -> None:
    quality = assess(complete(email=None, unit_id=None, last_updated=None), now=NOW)
    assert quality.dimensions == {"completeness": round(100 * 4 / 6, 2), "timeliness": 0.0, "accuracy": 100.0,
                                  "consistency": 100.0}
    assert quality.score == round((100 * 4 / 6 + 200) / 4, 2)
