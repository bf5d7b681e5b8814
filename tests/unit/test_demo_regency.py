from collections import Counter
from datetime import date

from deploy.demo.regency import events_for, generate, stream
from services.succession.domain import box_for
from shared.events.vocabulary import Rating
from shared.nip import nip_disagreements, parse_nip

TODAY = date(2026, 11, 29)


def test_every_nip_is_valid_unique_and_agrees_with_the_profile() -> None:
    regency = generate(700, today=TODAY)
    assert len(regency.people) == 700 and len({p.nip for p in regency.people}) == 700
    for person in regency.people:
        nip = parse_nip(person.nip, today=TODAY)
        assert nip_disagreements(nip, birth_date=person.birth_date, sex=person.sex) == []  # type: ignore[arg-type]
    assert len({p.nip for p in stream(30_000, today=TODAY)}) == 30_000


def test_the_same_seed_gives_the_same_regency() -> None:
    assert generate(50, today=TODAY).people == generate(50, today=TODAY).people
    assert generate(50, seed=1, today=TODAY).people != generate(50, seed=2, today=TODAY).people


def test_ratings_and_assessments_have_realistic_spreads() -> None:
    regency = generate(700, today=TODAY)
    ratings = Counter(r for p in regency.people for r in p.ratings.values())
    assert set(ratings) == set(Rating) and ratings[Rating.BAIK] / sum(ratings.values()) > 0.6
    events = [list(events_for(p, regency.agency_id)) for p in regency.people]
    jpm = sorted(e[-1].jpm for e in events)
    assert jpm[35] < 70 and jpm[-35] > 90  # from well below to well above the standard
    boxes = Counter(box_for(e[2].performance_level, e[-1].potential_level) for e in events)
    assert set(boxes) == set(range(1, 10))
    assert boxes[9] < boxes[5] < boxes[2]  # few stars, a real middle box, most meet expectations at low potential


def test_a_dozen_key_positions_some_vacant_and_a_committee_with_a_ppk() -> None:
    regency = generate(700, today=TODAY)
    assert len(regency.key_positions) == 12 and len({k.id for k in regency.key_positions}) == 12
    assert 0 < sum(k.incumbent_nip is None for k in regency.key_positions) < 12
    assert {k.incumbent_nip for k in regency.key_positions} - {None} <= {p.nip for p in regency.people}
    assert {role for _, _, role in regency.committee} == {"chair", "secretary", "member", "ppk"}
