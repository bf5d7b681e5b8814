"""Re-evaluating an agency's ASN under a new policy version: a background job in bounded batches (by NIP),
one transaction per batch holding the new results, their outbox rows and the job's progress. Events only
where a level changed (or an assessment's validity did); every changed result is a new version."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.assessment import domain
from services.assessment.assessments import completed_event, scores
from services.assessment.models import (
    Assessment,
    KnownAsn,
    PerformanceRating,
    PerformanceStanding,
    ReevaluationJob,
    new_id,
)
from services.assessment.policy import UNFINISHED, policy_by_version
from services.assessment.service import performance_update
from services.assessment.writes import upsert_rows, write_rows
from shared.background import BackgroundLoop
from shared.events import EventData
from shared.events.vocabulary import Rating
from shared.outbox import Outbox
from shared.service_app import Runtime

log = logging.getLogger(__name__)


async def run_batch(session: AsyncSession, outbox: Outbox, job_id: str, batch_size: int) -> bool | None:
    """Process the job's next batch in one transaction; returns whether more work remains, or None when
    another instance holds the job right now."""
    async with session.begin():
        job = await session.scalar(select(ReevaluationJob).where(ReevaluationJob.id == job_id)
                                   .with_for_update(skip_locked=True))
        if job is None:
            return None
        if job.state not in UNFINISHED:
            return False  # finished, or superseded by a newer policy
        if job.state == "queued":
            job.state, job.started_at = "running", datetime.now(UTC)
            job.total = await session.scalar(select(func.count()).select_from(KnownAsn)
                                             .where(KnownAsn.agency_id == job.agency_id)) or 0
        policy = await policy_by_version(session, job.policy_version)
        query = select(KnownAsn.nip).where(KnownAsn.agency_id == job.agency_id)
        if job.cursor is not None:
            query = query.where(KnownAsn.nip > job.cursor)
        nips = list((await session.scalars(query.order_by(KnownAsn.nip).limit(batch_size).with_for_update())).all())
        reason = f"re-evaluated under policy {policy.version}"
        if nips:
            await _reevaluate_assessments(session, outbox, job, nips, policy, reason)
            await _reevaluate_performance(session, outbox, job, nips, policy, reason)
            job.cursor, job.processed = nips[-1], job.processed + len(nips)
        if len(nips) < batch_size:
            job.state, job.finished_at = "succeeded", datetime.now(UTC)
            return False
        return True


async def _reevaluate_assessments(session: AsyncSession, outbox: Outbox, job: ReevaluationJob, nips: list[str],
                                  policy: domain.AgencyPolicy, reason: str) -> None:
    columns = [c for c in Assessment.__table__.columns]
    current = (await session.execute(select(*columns).where(
        Assessment.nip.in_(nips), Assessment.superseded_by.is_(None)))).all()  # plain rows: written set-based below
    new: list[dict[str, Any]] = []
    superseded: list[dict[str, str]] = []
    events: list[tuple[EventData, str]] = []
    now = datetime.now(UTC)
    for old in current:
        if old.policy_version == policy.version:
            continue
        scored = scores(old)
        evaluation = domain.evaluate(scored, old.assessed_on, policy)
        if (evaluation.jpm, evaluation.potential_level.value, evaluation.valid_until) == (
                old.jpm, old.potential_level, old.valid_until):
            continue  # same result under the new policy: nothing to record
        row = SimpleNamespace(**{
            **old._asdict(), "id": new_id(), "version": old.version + 1, "change": "re_evaluation", "reason": reason,
            "recorded_by": f"policy:{policy.version}", "recorded_at": now, "jpm": evaluation.jpm,
            "potential_level": evaluation.potential_level.value, "valid_until": evaluation.valid_until,
            "policy_version": policy.version, "superseded_by": None,
        })
        new.append(vars(row))
        superseded.append({"id": old.id, "superseded_by": row.id})
        if (row.potential_level, row.valid_until) != (old.potential_level, old.valid_until):
            events.append((completed_event(row, policy, supersedes=old.id, scored=scored), row.nip))
    if new:
        await write_rows(session, Assessment.__table__, new)
        await session.execute(update(Assessment), superseded)
    await outbox.emit_many(session, events)
    job.assessments_changed += len(new)
    job.events_emitted += len(events)


async def _reevaluate_performance(session: AsyncSession, outbox: Outbox, job: ReevaluationJob, nips: list[str],
                                  policy: domain.AgencyPolicy, reason: str) -> None:
    ratings: dict[str, dict[int, Rating]] = {}
    for nip, year, rating in (await session.execute(select(
            PerformanceRating.nip, PerformanceRating.year, PerformanceRating.rating
    ).where(PerformanceRating.nip.in_(nips)))).all():
        ratings.setdefault(nip, {})[year] = Rating(rating)
    standings = {s.nip: s for s in (await session.execute(select(
        PerformanceStanding.nip, PerformanceStanding.performance_level, PerformanceStanding.policy_version,
    ).where(PerformanceStanding.nip.in_(list(ratings))))).all()}
    events: list[tuple[EventData, str]] = []
    updated: list[dict[str, Any]] = []
    now = datetime.now(UTC)
    for nip, by_year in ratings.items():
        standing = standings.get(nip)
        if standing is not None and standing.policy_version == policy.version:
            continue
        # without a reason to publish (a new rating), an event goes out only when the level changed
        values, event = performance_update(nip, job.agency_id, by_year, standing.performance_level if standing else None,
                                           policy, reason=reason)
        if values is not None:
            updated.append({**values, "updated_at": now})
        if event is not None:
            events.append((event, nip))
    await upsert_rows(session, PerformanceStanding.__table__, updated, "nip")
    await outbox.emit_many(session, events)
    job.performance_changed += len(events)
    job.events_emitted += len(events)


class ReevaluationRunner(BackgroundLoop):
    """Runs queued jobs in the background; resumes unfinished ones after a restart (the cursor is durable)."""

    task_name = "reevaluation-runner"

    def __init__(self, sessions: async_sessionmaker[AsyncSession], outbox: Outbox, *, batch_size: int = 500,
                 poll_seconds: float = 1.0, max_failures: int = 5) -> None:
        self._sessions, self._outbox = sessions, outbox
        self.batch_size, self._poll, self._max_failures = batch_size, poll_seconds, max_failures
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def _next_job(self) -> str | None:
        async with self._sessions() as session:
            return await session.scalar(select(ReevaluationJob.id).where(ReevaluationJob.state.in_(UNFINISHED))
                                        .order_by(ReevaluationJob.created_at).limit(1))

    async def _run(self) -> None:
        failures = 0
        while True:
            self._wake.clear()
            job_id: str | None = None
            try:
                job_id = await self._next_job()
                if job_id is None:
                    try:
                        await asyncio.wait_for(self._wake.wait(), self._poll)
                    except TimeoutError:
                        pass
                    continue
                async with self._sessions() as session:
                    more = await run_batch(session, self._outbox, job_id, self.batch_size)
                failures = 0
                if more is None:  # another instance is on it: look again later, do not spin
                    await asyncio.sleep(self._poll)
                elif not more:
                    await asyncio.sleep(0)  # let others in between jobs
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a database hiccup: the batch rolled back; retry, then give up on the job
                failures += 1
                log.warning("re-evaluation batch failed (%d/%d): %s", failures, self._max_failures, exc)
                if failures >= self._max_failures and job_id is not None:
                    await self._fail(job_id, exc)
                    failures = 0
                await asyncio.sleep(min(5.0, 0.2 * 2 ** failures))

    async def _fail(self, job_id: str, exc: Exception) -> None:
        try:
            async with self._sessions() as session, session.begin():
                job = await session.get(ReevaluationJob, job_id)
                if job is not None and job.state in UNFINISHED:
                    job.state, job.error, job.finished_at = "failed", f"{type(exc).__name__}: {exc}", datetime.now(UTC)
        except Exception:
            log.exception("could not mark re-evaluation job %s failed", job_id)


def runner_of(runtime: Runtime) -> ReevaluationRunner:
    return next(w for w in runtime.workers if isinstance(w, ReevaluationRunner))
