"""Eligibility rules as agency data (domain.md §5): each change is a new version; the plans of the
agency's key positions of that type are judged again, and record the version they were judged by."""

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select

from services.succession import eligibility, plans
from services.succession.models import EligibilityRules, KeyPosition
from shared.auth import Principal, Role, require_roles, roles_note
from shared.errors import Problem
from shared.service_app import RuntimeDep, SessionDep

router = APIRouter(prefix="/v1/eligibility-rules/{agency_id}", tags=["succession plans"])

MANAGE = (Role.HR_ADMIN,)
READ = (Role.HR_ADMIN, Role.TALENT_COMMITTEE, Role.BKN)


class RulesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    position_type: str = Field(min_length=1, max_length=40, examples=["jpt_pratama"])
    rules: dict[str, Any] = Field(description="keys: " + ", ".join(eligibility.RULE_KEYS), examples=[{
        "min_education": "S1", "min_years_in_positions": 5, "max_age": 56,
        "years_at_level": {"position_types": ["administrator", "fungsional_ahli_madya"], "years": 2}}])


class RulesOut(RulesIn):
    model_config = ConfigDict(from_attributes=True)

    agency_id: str
    version: int
    created_by: str
    created_at: datetime


def _own(principal: Principal, agency_id: str) -> None:
    if not principal.can_see_agency(agency_id):
        raise Problem(404, "Not found", f"No agency {agency_id} that you may see.")


@router.post("", status_code=201, response_model=RulesOut, summary="Publish a new version of a position type's rules",
             description="Unknown rules or malformed thresholds are refused (422, naming the rule). The agency's key "
             "positions of this type are re-evaluated at once. " + roles_note(*MANAGE))
async def publish_rules(agency_id: str, body: RulesIn, session: SessionDep, runtime: RuntimeDep,
                        principal: Annotated[Principal, Depends(require_roles(*MANAGE))]) -> EligibilityRules:
    _own(principal, agency_id)
    try:
        rules = eligibility.validate(body.rules)
    except eligibility.InvalidRules as exc:
        raise Problem(422, "Invalid request", str(exc), errors=[{"field": exc.field, "message": exc.message}]) from exc
    async with session.begin():
        latest = await session.scalar(select(func.max(EligibilityRules.version)).where(
            EligibilityRules.agency_id == agency_id, EligibilityRules.position_type == body.position_type))
        record = EligibilityRules(agency_id=agency_id, position_type=body.position_type, version=(latest or 0) + 1,
                                  rules=rules, created_by=principal.subject, created_at=datetime.now(UTC))
        session.add(record)
        await session.flush()
        ctx = plans.Context.now(runtime)
        for position in (await session.scalars(select(KeyPosition).where(
                KeyPosition.agency_id == agency_id, KeyPosition.position_type == body.position_type))).all():
            await plans.refresh_position(session, ctx, position)
    return record


@router.get("", response_model=list[RulesOut], summary="Every version of the agency's eligibility rules",
            description=roles_note(*READ))
async def list_rules(agency_id: str, session: SessionDep,
                     principal: Annotated[Principal, Depends(require_roles(*READ))],
                     position_type: Annotated[str | None, Query()] = None) -> list[EligibilityRules]:
    _own(principal, agency_id)
    query = select(EligibilityRules).where(EligibilityRules.agency_id == agency_id)
    if position_type:
        query = query.where(EligibilityRules.position_type == position_type)
    return list((await session.scalars(query.order_by(EligibilityRules.position_type,
                                                      EligibilityRules.version.desc()))).all())
