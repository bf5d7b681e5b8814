"""Who an event is for, from the service's own read model: ASN from profile events, agency contacts
(HR admins, committee members) registered over the API. Loaded set-wise for a batch of events."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.notification.models import Contact, Preference, Recipient, WebhookEndpoint
from shared.events.schemas import ProfileSnapshot


@dataclass(frozen=True)
class Person:
    """One recipient of a notification. `failure` says why they cannot be reached, when they cannot."""

    recipient: str  # NIP, contact:<id>, or agency:<id>/<role> for a role nobody holds
    nip: str | None
    name: str | None
    email: str | None
    language: str = "id"
    disabled: frozenset[str] = frozenset()
    email_digest: bool = False
    known: bool = True
    failure: str | None = None


@dataclass
class Directory:
    """What one batch of events needs to know about people and endpoints."""

    asn: dict[str, Recipient]
    preferences: dict[str, Preference]
    contacts: dict[tuple[str, str], list[Contact]]  # (agency, role) -> contacts
    endpoints: dict[str, list[WebhookEndpoint]]  # agency -> active endpoints

    def person(self, nip: str) -> Person:
        recipient, preference = self.asn.get(nip), self.preferences.get(nip)
        disabled = frozenset(json.loads(preference.disabled)) if preference else frozenset()
        return Person(
            recipient=nip, nip=nip, name=recipient.name if recipient else None,
            email=recipient.email if recipient else None,
            language=preference.language if preference else "id", disabled=disabled,
            email_digest=preference.email_digest if preference else False, known=recipient is not None,
        )

    def holders(self, agency_id: str, role: str) -> list[Person]:
        contacts = self.contacts.get((agency_id, role), [])
        if not contacts:
            return [Person(recipient=f"agency:{agency_id}/{role}", nip=None, name=None, email=None, known=False,
                           failure=f"no {role} contact is registered for agency {agency_id}")]
        return [Person(recipient=f"contact:{c.id}", nip=None, name=c.name, email=c.email, language=c.language)
                for c in contacts]

    def webhooks(self, agency_id: str, event_type: str) -> list[WebhookEndpoint]:
        return [e for e in self.endpoints.get(agency_id, [])
                if not json.loads(e.event_types) or event_type in json.loads(e.event_types)]


async def load(session: AsyncSession, nips: Iterable[str], agencies: Iterable[str],
               roles: Iterable[tuple[str, str]]) -> Directory:
    nips, agencies, roles = set(nips), set(agencies), set(roles)
    asn = {r.nip: r for r in (await session.scalars(select(Recipient).where(Recipient.nip.in_(nips)))).all()} \
        if nips else {}
    preferences = {p.nip: p for p in (await session.scalars(
        select(Preference).where(Preference.nip.in_(nips)))).all()} if nips else {}
    contacts: dict[tuple[str, str], list[Contact]] = {}
    if roles:
        rows = await session.scalars(select(Contact).where(Contact.agency_id.in_({a for a, _ in roles}))
                                     .order_by(Contact.id))
        for contact in rows.all():
            contacts.setdefault((contact.agency_id, contact.role), []).append(contact)
    endpoints: dict[str, list[WebhookEndpoint]] = {}
    if agencies:
        rows = await session.scalars(select(WebhookEndpoint).where(
            WebhookEndpoint.agency_id.in_(agencies), WebhookEndpoint.active.is_(True)).order_by(WebhookEndpoint.id))
        for endpoint in rows.all():
            endpoints.setdefault(endpoint.agency_id, []).append(endpoint)
    return Directory(asn, preferences, contacts, endpoints)


async def remember_profile(session: AsyncSession, snapshot: ProfileSnapshot) -> None:
    recipient = await session.get(Recipient, snapshot.nip)
    if recipient is None:
        session.add(Recipient(nip=snapshot.nip, agency_id=snapshot.agency_id, name=snapshot.name,
                              email=snapshot.email))
    else:
        recipient.agency_id, recipient.name, recipient.email = snapshot.agency_id, snapshot.name, snapshot.email
