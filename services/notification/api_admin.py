"""What an agency's HR admin sets up: webhook endpoints of their portal, the contacts told about
agency-level events (HR admins, committee members), and the data-quality reminder policy."""

from __future__ import annotations

import json
import secrets as token_source
from datetime import datetime
from typing import Annotated, Literal, cast

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, Field, HttpUrl, field_validator
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from services.notification import reminders
from services.notification.domain import CATEGORIES
from services.notification.models import AgencySettings, Contact, WebhookEndpoint
from services.notification.settings import NotificationSettings
from shared.auth import Principal, Role, require_roles, roles_note
from shared.errors import Problem
from shared.service_app import RuntimeDep, SessionDep

router = APIRouter(prefix="/v1/agencies/{agency_id}", tags=["agency notification setup"])

ADMIN = (Role.HR_ADMIN,)
Admin = Annotated[Principal, Depends(require_roles(*ADMIN))]
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


def _own_agency(principal: Principal, agency_id: str) -> None:
    if principal.agency_id != agency_id:
        raise Problem(404, "Not found", f"No agency {agency_id} in your scope.")


class WebhookIn(BaseModel):
    url: HttpUrl
    event_types: list[str] = Field(default=[], description="only these event types; empty = every type")

    @field_validator("event_types")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(CATEGORIES))
        if unknown:
            raise ValueError(f"unknown event types {unknown}; known: {sorted(CATEGORIES)}")
        return value


class WebhookOut(BaseModel):
    id: int
    url: str
    event_types: list[str]
    created_at: datetime


class WebhookCreated(WebhookOut):
    secret: str = Field(description="shown once: verify each request's Talenta-Signature with it")


def _webhook(endpoint: WebhookEndpoint) -> WebhookOut:
    return WebhookOut(id=endpoint.id, url=endpoint.url, event_types=json.loads(endpoint.event_types),
                      created_at=endpoint.created_at)


@router.post("/webhooks", status_code=201, response_model=WebhookCreated, summary="Register a webhook endpoint",
             description="Every notification of the agency is POSTed to it, signed with HMAC-SHA256 "
                         "(`Talenta-Signature: t=…,v1=…`). One endpoint per URL. " + roles_note(*ADMIN))
async def create_webhook(agency_id: str, body: WebhookIn, session: SessionDep, principal: Admin) -> WebhookCreated:
    _own_agency(principal, agency_id)
    endpoint = WebhookEndpoint(agency_id=agency_id, url=str(body.url), secret="whsec_" + token_source.token_urlsafe(32),
                               event_types=json.dumps(body.event_types), created_by=principal.subject)
    try:
        async with session.begin():
            session.add(endpoint)
    except IntegrityError:
        raise Problem(409, "Conflict", f"{body.url} is already registered for agency {agency_id}.",
                      errors=[{"field": "url", "message": "already registered"}]) from None
    return WebhookCreated(**_webhook(endpoint).model_dump(), secret=endpoint.secret)


@router.get("/webhooks", response_model=list[WebhookOut], summary="The agency's webhook endpoints",
            description=roles_note(*ADMIN))
async def list_webhooks(agency_id: str, session: SessionDep, principal: Admin) -> list[WebhookOut]:
    _own_agency(principal, agency_id)
    rows = await session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.agency_id == agency_id)
                                 .order_by(WebhookEndpoint.id))
    return [_webhook(e) for e in rows.all()]


@router.delete("/webhooks/{webhook_id}", status_code=204, summary="Remove a webhook endpoint",
               description="Pending deliveries to it fail with the reason. " + roles_note(*ADMIN))
async def delete_webhook(agency_id: str, webhook_id: int, session: SessionDep, principal: Admin) -> Response:
    _own_agency(principal, agency_id)
    async with session.begin():
        endpoint = await session.get(WebhookEndpoint, webhook_id)
        if endpoint is None or endpoint.agency_id != agency_id:
            raise Problem(404, "Not found", f"No webhook {webhook_id} in agency {agency_id}.")
        await session.delete(endpoint)
    return Response(status_code=204)


class ContactIn(BaseModel):
    subject: str = Field(min_length=1, max_length=200, description="the person's user id (their token's `sub`)")
    role: Literal["hr_admin", "talent_committee"]
    name: str = Field(min_length=1, max_length=200)
    email: str = Field(pattern=EMAIL_PATTERN, max_length=254)
    language: Literal["id", "en"] = "id"


class ContactOut(ContactIn):
    id: int
    created_at: datetime


@router.post("/contacts", status_code=201, response_model=ContactOut, summary="Register a contact",
             description="HR admins are told about succession risks; committee members about committee "
                         "decisions that name no ASN. One contact per person and role. " + roles_note(*ADMIN))
async def create_contact(agency_id: str, body: ContactIn, session: SessionDep, principal: Admin) -> ContactOut:
    _own_agency(principal, agency_id)
    contact = Contact(agency_id=agency_id, **body.model_dump())
    try:
        async with session.begin():
            session.add(contact)
    except IntegrityError:
        raise Problem(409, "Conflict", f"{body.subject} is already a {body.role} contact of agency {agency_id}.",
                      errors=[{"field": "subject", "message": "already registered for this role"}]) from None
    return ContactOut.model_validate(contact, from_attributes=True)


@router.get("/contacts", response_model=list[ContactOut], summary="The agency's contacts",
            description=roles_note(*ADMIN))
async def list_contacts(agency_id: str, session: SessionDep, principal: Admin) -> list[ContactOut]:
    _own_agency(principal, agency_id)
    rows = await session.scalars(select(Contact).where(Contact.agency_id == agency_id).order_by(Contact.id))
    return [ContactOut.model_validate(c, from_attributes=True) for c in rows.all()]


@router.delete("/contacts/{contact_id}", status_code=204, summary="Remove a contact", description=roles_note(*ADMIN))
async def delete_contact(agency_id: str, contact_id: int, session: SessionDep, principal: Admin) -> Response:
    _own_agency(principal, agency_id)
    async with session.begin():
        contact = await session.get(Contact, contact_id)
        if contact is None or contact.agency_id != agency_id:
            raise Problem(404, "Not found", f"No contact {contact_id} in agency {agency_id}.")
        await session.delete(contact)
    return Response(status_code=204)


class PolicyIn(BaseModel):
    data_quality_threshold: float = Field(ge=0, le=100, description="remind an ASN whose index is below this")
    data_quality_period_days: int = Field(ge=1, le=366, description="at most one reminder per this many days")


@router.get("/notification-settings", response_model=PolicyIn, summary="The agency's reminder policy",
            description="The service defaults until the agency sets its own. " + roles_note(*ADMIN))
async def get_policy(agency_id: str, session: SessionDep, runtime: RuntimeDep, principal: Admin) -> PolicyIn:
    _own_agency(principal, agency_id)
    threshold, period = await reminders.policy(session, cast(NotificationSettings, runtime.settings), agency_id)
    return PolicyIn(data_quality_threshold=threshold, data_quality_period_days=period)


@router.put("/notification-settings", response_model=PolicyIn, summary="Set the agency's reminder policy",
            description=roles_note(*ADMIN))
async def put_policy(agency_id: str, body: PolicyIn, session: SessionDep, principal: Admin) -> PolicyIn:
    _own_agency(principal, agency_id)
    async with session.begin():
        row = await session.get(AgencySettings, agency_id)
        if row is None:
            session.add(AgencySettings(agency_id=agency_id, updated_by=principal.subject, **body.model_dump()))
        else:
            row.data_quality_threshold, row.data_quality_period_days = (body.data_quality_threshold,
                                                                        body.data_quality_period_days)
            row.updated_by = principal.subject
    return body

