"""Reports over placements: the box distribution on a date and the movement between two dates."""

from collections import defaultdict
from datetime import UTC, date, datetime, time
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy import select

from services.succession.domain import Placed, box_on, movement
from services.succession.models import DevelopmentPlan, KeyPosition, KnownAsn, PlanCandidate, Placement, RiskSignal
from services.succession.service import latest_placements
from shared.auth import Principal, Role, require_roles, roles_note
from shared.errors import Problem, field_error
from shared.service_app import SessionDep

router = APIRouter(prefix="/v1/reports/agencies/{agency_id}", tags=["reports"])

STAFF = (Role.HR_ADMIN, Role.TALENT_COMMITTEE, Role.BKN)
Staff = Annotated[Principal, Depends(require_roles(*STAFF))]


class BoxDistribution(BaseModel):
    agency_id: str
    as_of: date
    total: int
    by_box: dict[str, int]  # "1".."9" and "unmapped"
    by_unit: dict[str, dict[str, int]]  # unit id ("none" when not recorded) -> the same counts


class Transition(BaseModel):
    from_box: int | None
    to_box: int | None
    count: int


class MovementOut(BaseModel):
    agency_id: str
    start: date
    end: date
    naik_kelas: int
    turun: int
    tetap: int
    newly_mapped: int
    transitions: list[Transition]


def _end_of(day: date) -> datetime:
    return datetime.combine(day, time.max, tzinfo=UTC)


async def _histories(session: SessionDep, agency_id: str, principal: Principal) -> dict[str, tuple[str, list[Placed]]]:
    """Per NIP: the ASN's unit and placement history."""
    if not principal.can_see_agency(agency_id):
        raise Problem(404, "Not found", f"No agency {agency_id} that you may see.")
    rows = (await session.execute(
        select(Placement.nip, Placement.box, Placement.placed_at, KnownAsn.unit_id)
        .outerjoin(KnownAsn, KnownAsn.nip == Placement.nip).where(Placement.agency_id == agency_id)
    )).all()
    by_nip: dict[str, tuple[str, list[Placed]]] = {}
    for nip, box, placed_at, unit_id in rows:
        by_nip.setdefault(nip, (unit_id or "none", []))[1].append(Placed(box, placed_at))
    return by_nip


@router.get("/boxes", response_model=BoxDistribution, summary="How many ASN were in each box on a date",
            description="Placements as they stood at the end of `as_of` (default today). " + roles_note(*STAFF))
async def box_distribution(
    agency_id: str, session: SessionDep, principal: Staff, as_of: Annotated[date | None, Query()] = None,
) -> BoxDistribution:
    day = as_of or date.today()

    def empty() -> dict[str, int]:
        return {str(box): 0 for box in range(1, 10)} | {"unmapped": 0}

    counts, by_unit = empty(), defaultdict(empty)
    for unit_id, history in (await _histories(session, agency_id, principal)).values():
        box = box_on(history, _end_of(day))
        if box != "not yet placed":
            key = "unmapped" if box is None else str(box)
            counts[key] += 1
            by_unit[unit_id][key] += 1
    return BoxDistribution(agency_id=agency_id, as_of=day, total=sum(counts.values()), by_box=counts,
                           by_unit=dict(by_unit))


@router.get("/movement", response_model=MovementOut, summary="Movement between two dates (naik kelas)",
            description="Who moved up a box, down, stayed, or was newly mapped between the end of `start` and the "
            "end of `end`. " + roles_note(*STAFF))
async def box_movement(
    agency_id: str, session: SessionDep, principal: Staff, start: date, end: date,
) -> MovementOut:
    if end < start:
        raise field_error("end", "is before start")
    histories = [history for _, history in (await _histories(session, agency_id, principal)).values()]
    moved = movement(histories, _end_of(start), _end_of(end))
    return MovementOut(
        agency_id=agency_id, start=start, end=end, naik_kelas=moved.naik_kelas, turun=moved.turun,
        tetap=moved.tetap, newly_mapped=moved.newly_mapped,
        transitions=[Transition(from_box=a, to_box=b, count=n) for (a, b), n in sorted(
            moved.transitions.items(), key=lambda item: (item[0][0] or 0, item[0][1] or 0))],
    )


class MiddleBoxOut(BaseModel):
    agency_id: str
    in_middle_box: int = Field(description="ASN whose current placement is box 5")
    with_development_plan: int = Field(description="of those, how many have a development plan for that placement")
    with_progress: int = Field(description="of those, how many have at least one intervention under way or done")
    share_with_plan: float = Field(description="percent")


@router.get("/middle-box", response_model=MiddleBoxOut, summary="The middle box (5) and its development plans",
            description="BKN stresses developing the middle box (kotak tengah): how many are in box 5 now and how "
            "many of them have a development plan, and progress on it. " + roles_note(*STAFF))
async def middle_box(agency_id: str, session: SessionDep, principal: Staff) -> MiddleBoxOut:
    if not principal.can_see_agency(agency_id):
        raise Problem(404, "Not found", f"No agency {agency_id} that you may see.")
    latest = latest_placements()
    rows = (await session.execute(
        select(Placement.id, DevelopmentPlan.interventions)
        .join(latest, (Placement.nip == latest.c.nip) & (Placement.sequence == latest.c.sequence))
        .outerjoin(DevelopmentPlan, DevelopmentPlan.placement_id == Placement.id)
        .where(Placement.agency_id == agency_id, Placement.box == 5))).all()
    planned = [interventions for _, interventions in rows if interventions is not None]
    started = sum(any(i["status"] in {"in_progress", "done"} for i in items) for items in planned)
    return MiddleBoxOut(agency_id=agency_id, in_middle_box=len(rows), with_development_plan=len(planned),
                        with_progress=started, share_with_plan=round(100 * len(planned) / len(rows), 1) if rows else 0.0)


class CoverageOut(BaseModel):
    agency_id: str
    key_positions: int
    with_ready_successor: int = Field(description="key positions with at least one successor ready now")
    share_with_ready_successor: float = Field(description="percent")
    vacancies: list[str] = Field(description="key positions without an incumbent")
    open_risks: list[dict[str, str]] = Field(description="risk signals still present: kind, position, nip, detail")


@router.get("/succession-coverage", response_model=CoverageOut,
            summary="Key positions with a ready successor; vacancies; open risks", description=roles_note(*STAFF))
async def succession_coverage(agency_id: str, session: SessionDep, principal: Staff) -> CoverageOut:
    if not principal.can_see_agency(agency_id):
        raise Problem(404, "Not found", f"No agency {agency_id} that you may see.")
    positions = (await session.scalars(select(KeyPosition).where(KeyPosition.agency_id == agency_id)
                                       .order_by(KeyPosition.id))).all()
    covered = set((await session.scalars(select(PlanCandidate.position_id).where(
        PlanCandidate.agency_id == agency_id, PlanCandidate.active.is_(True),
        PlanCandidate.readiness == "siap_sekarang", PlanCandidate.status != "rejected").distinct())).all())
    risks = (await session.scalars(select(RiskSignal).where(RiskSignal.agency_id == agency_id,
                                                            RiskSignal.cleared_at.is_(None))
                                   .order_by(RiskSignal.detected_at, RiskSignal.id))).all()
    with_ready = sum(p.id in covered for p in positions)
    return CoverageOut(
        agency_id=agency_id, key_positions=len(positions), with_ready_successor=with_ready,
        share_with_ready_successor=round(100 * with_ready / len(positions), 1) if positions else 0.0,
        vacancies=[p.id for p in positions if p.incumbent_nip is None],
        open_risks=[{"kind": r.kind, "position_id": r.position_id, "nip": r.nip, "detail": r.detail} for r in risks])
