"""Idempotency-Key for POSTs a portal may retry: the same key (per caller and route) returns the first
result; the same key with a different request is an error. Errors are not stored, so a retry after a
422 or 409 is evaluated again."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import Table, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal
from shared.errors import Problem

IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", max_length=200,
           description="Send the same key when retrying: the first result is returned, nothing is done twice."),
]


async def idempotent(
    session: AsyncSession,
    table: Table,
    *,
    key: str | None,
    principal: Principal,
    request: Request,
    body: BaseModel,
    run: Callable[[], Awaitable[tuple[BaseModel, int]]],
) -> JSONResponse:
    """Run the write once per key; replay its stored response for later requests with that key."""
    if key is None:
        result, status = await run()
        return JSONResponse(result.model_dump(mode="json"), status_code=status)
    scope = f"{request.method} {request.url.path}"
    request_hash = hashlib.sha256(body.model_dump_json().encode()).hexdigest()
    where = (table.c.subject == principal.subject) & (table.c.scope == scope) & (table.c.key == key)
    async with session.begin():
        stored = (await session.execute(select(table).where(where))).one_or_none()
    if stored is None:
        result, status = await run()
        content = result.model_dump(mode="json")
        try:
            async with session.begin():
                await session.execute(insert(table).values(
                    subject=principal.subject, scope=scope, key=key, request_hash=request_hash, status_code=status,
                    response_body=json.dumps(content), created_at=datetime.now(UTC)))
            return JSONResponse(content, status_code=status)
        except IntegrityError:  # a concurrent request with the same key stored first: answer as it did
            async with session.begin():
                stored = (await session.execute(select(table).where(where))).one()
    if stored.request_hash != request_hash:
        raise Problem(422, "Idempotency-Key reused", f"Idempotency-Key {key!r} was used for a different request.",
                      errors=[{"field": "Idempotency-Key", "message": "reused with a different body", "in": "header"}])
    return JSONResponse(json.loads(stored.response_body), status_code=stored.status_code,
                        headers={"Idempotent-Replayed": "true"})
