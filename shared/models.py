"""What every service's ORM starts from: a declarative base with a naming convention (stable
constraint names make migrations portable between SQLite and PostgreSQL) and the plumbing tables."""

from datetime import UTC, datetime

from typing import Any

from sqlalchemy import DateTime, Dialect, MetaData
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

from shared.tables import idempotency_table, inbox_table, outbox_table

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}



class UtcDateTime(TypeDecorator[datetime]):
    """Timestamps are stored and returned in UTC; SQLite, which keeps no zone, gets it re-attached."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: Talenta stores UTC-aware timestamps only")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_base() -> type[DeclarativeBase]:
    """A fresh declarative base with its own metadata, holding the outbox, inbox and idempotency tables."""

    class Base(DeclarativeBase):
        metadata = MetaData(naming_convention=NAMING_CONVENTION)
        type_annotation_map = {datetime: UtcDateTime()}

    outbox_table(Base.metadata)
    inbox_table(Base.metadata)
    idempotency_table(Base.metadata)
    return Base
