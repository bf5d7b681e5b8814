"""Delivery status: every notification on every channel, with attempts and the last error."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel
from sqlalchemy import Select, or_, select

from services.notification.models import Delivery
from shared.auth import Principal, Role, require_roles, roles_note
from shared.errors import Problem
from shared.pagination import CursorQuery, LimitQuery, Page, decode_cursor, encode_cursor
from shared.service_app import SessionDep

router = APIRouter(prefix="/v1/deliveries", tags=["deliveries"])

READ = (Role.ASN, Role.HR_ADMIN)
Reader = Annotated[Principal, Depends(require_roles(*READ))]


class DeliveryOut(BaseModel):
    id: str
    source_event_id: str
    event_type: str
    agency_id: str
    recipient: str
    channel: str
    address: str | None
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    note: str | None
    language: str
    template_version: str
    digest_key: str | None
    created_at: datetime
    delivered_at: datetime | None


def _scoped(principal: Principal) -> Select[tuple[Delivery]]:
    """HR admins see their agency's deliveries; an ASN sees the ones addressed to them."""
    query = select(Delivery)
    if principal.has(Role.HR_ADMIN) and principal.agency_id:
        return query.where(Delivery.agency_id == principal.agency_id)
    if principal.nip:
        return query.where(Delivery.recipient == principal.nip)
    raise Problem(403, "Forbidden", "The token carries neither an agency nor a NIP.")


@router.get("", response_model=Page[DeliveryOut], summary="Notifications and their delivery status, newest first",
            description="HR admins: their agency's; an ASN: their own. " + roles_note(*READ))
async def list_deliveries(
    session: SessionDep, principal: Reader, cursor: CursorQuery = None, limit: LimitQuery = 50,
    status: Literal["pending", "sending", "delivered", "failed"] | None = None,
    channel: Literal["inbox", "email", "webhook"] | None = None, source_event_id: str | None = None,
    recipient: str | None = None,
) -> Page[DeliveryOut]:
    query = _scoped(principal)
    for column, value in ((Delivery.status, status), (Delivery.channel, channel),
                          (Delivery.source_event_id, source_event_id), (Delivery.recipient, recipient)):
        if value is not None:
            query = query.where(column == value)
    position = decode_cursor(cursor)
    if position is not None:
        try:
            at, last = datetime.fromisoformat(position["at"]), str(position["id"])
        except (KeyError, ValueError, TypeError):
            raise Problem(422, "Invalid request", "cursor: not a cursor this API issued",
                          errors=[{"field": "cursor", "message": "not a cursor this API issued"}]) from None
        query = query.where(or_(Delivery.created_at < at, (Delivery.created_at == at) & (Delivery.id < last)))
    rows = (await session.scalars(query.order_by(Delivery.created_at.desc(), Delivery.id.desc())
                                  .limit(limit + 1))).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(items=[DeliveryOut.model_validate(r, from_attributes=True) for r in rows],
                next_cursor=encode_cursor({"at": rows[-1].created_at.isoformat(), "id": rows[-1].id}) if more else None)


@router.get("/{delivery_id}", response_model=DeliveryOut, summary="One notification's delivery status",
            description=roles_note(*READ))
async def get_delivery(delivery_id: str, session: SessionDep, principal: Reader) -> DeliveryOut:
    row = (await session.scalars(_scoped(principal).where(Delivery.id == delivery_id))).one_or_none()
    if row is None:
        raise Problem(404, "Not found", f"No delivery {delivery_id} in your scope.")
    return DeliveryOut.model_validate(row, from_attributes=True)
