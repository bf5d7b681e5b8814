"""An ASN's own notification preferences: language, channels on/off per category, daily email digest."""

from __future__ import annotations

import json
from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from services.notification.domain import ASN_CATEGORIES, ASN_CHANNELS
from services.notification.models import Preference
from shared.auth import Principal, Role, require_roles, roles_note
from shared.errors import Problem
from shared.service_app import SessionDep

router = APIRouter(prefix="/v1/preferences", tags=["preferences"])

OWNER = (Role.ASN,)
Owner = Annotated[Principal, Depends(require_roles(*OWNER))]


class ChannelSwitches(BaseModel):
    inbox: bool = True
    email: bool = True


class Preferences(BaseModel):
    language: Literal["id", "en"] = "id"
    email_digest: bool = Field(False, description="one email a day with that day's notifications")
    channels: dict[Literal["talent", "assessment", "succession", "data_quality"], ChannelSwitches] = Field(
        default_factory=dict, description="per category; a category left out keeps every channel on")


def _nip(principal: Principal) -> str:
    if not principal.nip:
        raise Problem(403, "Forbidden", "The token carries no NIP: preferences belong to an ASN.")
    return principal.nip


def _out(row: Preference | None) -> Preferences:
    if row is None:
        return Preferences(channels={c: ChannelSwitches() for c in ASN_CATEGORIES})
    off = set(json.loads(row.disabled))
    channels = {c: ChannelSwitches(**{ch.value: f"{c}/{ch.value}" not in off for ch in ASN_CHANNELS})
                for c in ASN_CATEGORIES}
    return Preferences(language=row.language, email_digest=row.email_digest, channels=channels)  # type: ignore[arg-type]


@router.get("/me", response_model=Preferences, summary="My notification preferences", description=roles_note(*OWNER))
async def get_preferences(session: SessionDep, principal: Owner) -> Preferences:
    return _out(await session.get(Preference, _nip(principal)))


@router.put("/me", response_model=Preferences, summary="Set my notification preferences",
            description="Idempotent. Webhooks are the agency's, not switched here. " + roles_note(*OWNER))
async def put_preferences(body: Preferences, session: SessionDep, principal: Owner) -> Preferences:
    nip = _nip(principal)
    disabled = sorted(f"{category}/{channel}" for category, switches in body.channels.items()
                      for channel, on in switches.model_dump().items() if not on)
    async with session.begin():
        row = await session.get(Preference, nip)
        if row is None:
            row = Preference(nip=nip)
            session.add(row)
        row.language, row.email_digest, row.disabled = body.language, body.email_digest, json.dumps(disabled)
    return _out(row)
