from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from sqlalchemy import func, select

from services.notification.models import InboxMessage
from shared.auth import Principal, Role, require_roles, roles_note
from shared.errors import Problem
from shared.pagination import CursorQuery, LimitQuery, Page, decode_cursor, encode_cursor
from shared.service_app import SessionDep

router = APIRouter(prefix="/v1/inbox", tags=["inbox"])

OWNER = (Role.ASN,)
Owner = Annotated[Principal, Depends(require_roles(*OWNER))]
Language = Annotated[Literal["id", "en"], Query(description="id (Bahasa Indonesia, default) or en")]


class MessageOut(BaseModel):
    id: int
    event_type: str
    title: str
    body: str
    language: str
    created_at: datetime
    read_at: datetime | None


class UnreadCount(BaseModel):
    unread: int


def _out(message: InboxMessage, language: str) -> MessageOut:
    return MessageOut(
        id=message.id, event_type=message.event_type, language=language,
        title=message.title_en if language == "en" else message.title_id,
        body=message.body_en if language == "en" else message.body_id,
        created_at=message.created_at, read_at=message.read_at,
    )


def _own_nip(principal: Principal) -> str:
    if not principal.nip:
        raise Problem(403, "Forbidden", "The token carries no NIP: the inbox belongs to an ASN.")
    return principal.nip


@router.get("", response_model=Page[MessageOut], summary="My in-app messages, newest first",
            description="An ASN reads only their own inbox. " + roles_note(*OWNER))
async def list_messages(
    session: SessionDep, principal: Owner, cursor: CursorQuery = None, limit: LimitQuery = 50,
    lang: Language = "id", unread_only: bool = False,
) -> Page[MessageOut]:
    query = select(InboxMessage).where(InboxMessage.nip == _own_nip(principal))
    if unread_only:
        query = query.where(InboxMessage.read_at.is_(None))
    position = decode_cursor(cursor)
    if position is not None:
        query = query.where(InboxMessage.id < int(position.get("before_id", 0)))
    rows = (await session.scalars(query.order_by(InboxMessage.id.desc()).limit(limit + 1))).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(items=[_out(m, lang) for m in rows],
                next_cursor=encode_cursor({"before_id": rows[-1].id}) if more else None)


@router.get("/unread-count", response_model=UnreadCount, summary="How many of my messages are unread",
            description=roles_note(*OWNER))
async def unread_count(session: SessionDep, principal: Owner) -> UnreadCount:
    count = await session.scalar(select(func.count()).select_from(InboxMessage).where(
        InboxMessage.nip == _own_nip(principal), InboxMessage.read_at.is_(None)))
    return UnreadCount(unread=count or 0)


@router.post("/{message_id}/read", response_model=MessageOut, summary="Mark one of my messages read",
             description="Idempotent: marking a read message again keeps the first time. " + roles_note(*OWNER))
async def mark_read(message_id: int, session: SessionDep, principal: Owner, lang: Language = "id") -> MessageOut:
    async with session.begin():
        message = await session.get(InboxMessage, message_id)
        if message is None or message.nip != _own_nip(principal):
            raise Problem(404, "Not found", f"No message {message_id} in your inbox.")
        if message.read_at is None:
            message.read_at = datetime.now(UTC)
    return _out(message, lang)
