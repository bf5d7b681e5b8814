from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from sqlalchemy import select

from services.profile.domain import EmploymentStatus, PositionType
from services.profile import service
from services.profile.models import PortfolioItem, PositionHeld, Profile, RankHeld
from services.profile.portfolio import PortfolioEntry, Training, training_hours_by_year
from services.profile.schemas import (
    DataQualityOut,
    PortfolioItemOut,
    PortfolioOut,
    PositionIn,
    PositionOut,
    ProfileIn,
    ProfileOut,
    ProfilePatch,
    RankIn,
    RankOut,
)
from shared.auth import Principal, Role, require_roles, roles_note
from shared.errors import Problem
from shared.idempotency import IdempotencyKey, idempotent
from shared.pagination import CursorQuery, LimitQuery, Page, decode_cursor, encode_cursor
from shared.service_app import ReadSessionDep, RuntimeDep, SessionDep

router = APIRouter(prefix="/v1/profiles", tags=["profiles"])

REGISTER = (Role.HR_ADMIN,)
READ = (Role.ASN, Role.HR_ADMIN, Role.TALENT_COMMITTEE, Role.BKN)
LIST = (Role.HR_ADMIN, Role.TALENT_COMMITTEE, Role.BKN)
SELF_SERVICE = (Role.ASN, Role.HR_ADMIN)
HR = (Role.HR_ADMIN,)


@router.post("", status_code=201, response_model=ProfileOut, summary="Register an ASN profile",
             description="Registers an ASN of the caller's agency. " + roles_note(*REGISTER))
async def create_profile(
    body: ProfileIn, session: SessionDep, runtime: RuntimeDep, request: Request,
    principal: Annotated[Principal, Depends(require_roles(*REGISTER))], idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    if not principal.can_see_agency(body.agency_id):
        raise Problem(403, "Forbidden", f"You may register profiles only in agency {principal.agency_id}.",
                      errors=[{"field": "agency_id", "message": "not your agency"}])

    async def register() -> tuple[ProfileOut, int]:
        return ProfileOut.model_validate(await service.register_profile(session, runtime.outbox, body)), 201

    return await idempotent(session, runtime.idempotency_table, key=idempotency_key, principal=principal,
                            request=request, body=body, run=register)


@router.get("", response_model=Page[ProfileOut], summary="List and filter ASN profiles",
            description="Agency staff list their own agency; BKN any agency. Ordered by NIP. " + roles_note(*LIST))
async def list_profiles(
    session: SessionDep, principal: Annotated[Principal, Depends(require_roles(*LIST))],
    agency_id: str | None = None, unit_id: str | None = None, position_type: PositionType | None = None,
    golongan: str | None = None, employment_status: EmploymentStatus | None = None,
    data_quality_below: Annotated[float | None, Query(ge=0, le=100, description="only ASN whose index is below")] = None,
    cursor: CursorQuery = None, limit: LimitQuery = 50,
) -> Page[ProfileOut]:
    if not principal.is_national:
        if agency_id not in (None, principal.agency_id):
            raise Problem(403, "Forbidden", f"You may list only agency {principal.agency_id}.",
                          errors=[{"field": "agency_id", "message": "not your agency", "in": "query"}])
        agency_id = principal.agency_id
    query = select(Profile)
    for column, value in ((Profile.agency_id, agency_id), (Profile.unit_id, unit_id),
                          (Profile.position_type, position_type), (Profile.golongan, golongan),
                          (Profile.employment_status, employment_status)):
        if value is not None:
            query = query.where(column == value)
    if data_quality_below is not None:
        query = query.where(Profile.data_quality < data_quality_below)
    position = decode_cursor(cursor)
    if position is not None:
        query = query.where(Profile.nip > str(position.get("after_nip", "")))
    rows = (await session.scalars(query.order_by(Profile.nip).limit(limit + 1))).all()
    page = rows[:limit]
    return Page(items=[ProfileOut.model_validate(p) for p in page],
                next_cursor=encode_cursor({"after_nip": page[-1].nip}) if len(rows) > limit else None)


@router.get("/{nip}", response_model=ProfileOut, summary="One ASN profile",
            description="ASN read their own profile; agency staff their agency's; BKN every agency. "
            + roles_note(*READ))
async def get_profile(
    nip: str, session: ReadSessionDep, principal: Annotated[Principal, Depends(require_roles(*READ))]
) -> ProfileOut:
    return ProfileOut.model_validate(await service.visible_profile_row(session, nip, principal))


@router.patch("/{nip}", response_model=ProfileOut, summary="Update contact data or the recorded name",
              description="An ASN keeps their own email current; the agency's HR admin also corrects the name. "
              "Publishes profile.updated. " + roles_note(*SELF_SERVICE))
async def update_profile(
    nip: str, body: ProfilePatch, session: SessionDep, runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_roles(*SELF_SERVICE))],
) -> Profile:
    return await service.patch_profile(session, runtime.outbox, nip, body, principal)


@router.post("/{nip}/positions", status_code=201, response_model=PositionOut,
             summary="Record a position (effective-dated)",
             description="Adds to the position history; nothing is overwritten. The position in force today "
             "becomes the current one. Publishes profile.updated. " + roles_note(*HR))
async def add_position(
    nip: str, body: PositionIn, session: SessionDep, runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_roles(*HR))],
) -> PositionHeld:
    return await service.record_position(session, runtime.outbox, nip, body, principal)


@router.get("/{nip}/positions", response_model=list[PositionOut], summary="Position history, newest first",
            description=roles_note(*READ))
async def position_history(
    nip: str, session: SessionDep, principal: Annotated[Principal, Depends(require_roles(*READ))]
) -> list[PositionHeld]:
    await service.visible_profile(session, nip, principal)
    query = select(PositionHeld).where(PositionHeld.nip == nip)
    return list((await session.scalars(query.order_by(PositionHeld.start_date.desc(), PositionHeld.id.desc()))).all())


@router.post("/{nip}/ranks", status_code=201, response_model=RankOut, summary="Record a rank (effective-dated)",
             description="Adds to the golongan/pangkat history; nothing is overwritten. The rank in force today "
             "becomes the current golongan. Publishes profile.updated. " + roles_note(*HR))
async def add_rank(
    nip: str, body: RankIn, session: SessionDep, runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_roles(*HR))],
) -> RankHeld:
    return await service.record_rank(session, runtime.outbox, nip, body, principal)


@router.get("/{nip}/ranks", response_model=list[RankOut], summary="Rank history, newest first",
            description=roles_note(*READ))
async def rank_history(
    nip: str, session: SessionDep, principal: Annotated[Principal, Depends(require_roles(*READ))]
) -> list[RankHeld]:
    await service.visible_profile(session, nip, principal)
    query = select(RankHeld).where(RankHeld.nip == nip)
    return list((await session.scalars(query.order_by(RankHeld.tmt.desc(), RankHeld.id.desc()))).all())


@router.get("/{nip}/data-quality", response_model=DataQualityOut, summary="The ASN's data-quality index and what to fix",
            description="Recomputed on every change. " + roles_note(*READ))
async def profile_data_quality(
    nip: str, session: SessionDep, principal: Annotated[Principal, Depends(require_roles(*READ))]
) -> DataQualityOut:
    profile = await service.visible_profile(session, nip, principal)
    return DataQualityOut(nip=nip, score=profile.data_quality, failed_checks=profile.data_quality_failed)


@router.post("/{nip}/portfolio", status_code=201, response_model=PortfolioItemOut, summary="Record a portfolio entry",
             description="Education, training (JP), award, certification, career aspiration: the ASN themselves or "
             "their HR admin; a disciplinary penalty: HR admin only. Publishes portfolio.changed. "
             + roles_note(*SELF_SERVICE))
async def add_portfolio_entry(
    nip: str, body: PortfolioEntry, session: SessionDep, runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_roles(*SELF_SERVICE))],
) -> PortfolioItem:
    return await service.add_portfolio_item(session, runtime.outbox, nip, body, principal)


@router.get("/{nip}/portfolio", response_model=PortfolioOut, summary="The ASN's portfolio",
            description=roles_note(*READ))
async def portfolio(
    nip: str, session: SessionDep, principal: Annotated[Principal, Depends(require_roles(*READ))],
    kind: str | None = None,
) -> PortfolioOut:
    await service.visible_profile(session, nip, principal)
    items = (await session.scalars(select(PortfolioItem).where(PortfolioItem.nip == nip).order_by(PortfolioItem.id))).all()
    trainings = [Training.model_validate(i.data) for i in items if i.kind == "training"]
    return PortfolioOut(nip=nip, items=[PortfolioItemOut.model_validate(i) for i in items if kind in (None, i.kind)],
                        training_hours_by_year=training_hours_by_year(trainings))
