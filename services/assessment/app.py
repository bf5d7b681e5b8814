"""The assessment service: competency assessments and SKP ratings, the two axes of the grid."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from services.assessment import api, api_admin, handlers, models
from services.assessment.imports import AssessmentImport, RatingImport
from services.assessment.reevaluation import ReevaluationRunner
from services.assessment.settings import AssessmentSettings
from shared.events.schemas import AssessmentCompleted, PerformanceRated
from shared.service_app import ServiceDefinition, create_service_app

DEFINITION = ServiceDefinition(
    name="assessment",
    title="Talenta assessment service",
    description="Competency catalogue and standards, competency assessments (job-person match, potential), yearly "
                "SKP performance ratings, and each agency's versioned policy.",
    metadata=models.metadata,
    migrations=Path(__file__).parent / "migrations",
    routers=[api.router, api_admin.router],
    publishes=[PerformanceRated, AssessmentCompleted],
    subscriptions=handlers.subscriptions,
    imports=lambda runtime: [AssessmentImport(runtime.outbox), RatingImport(runtime.outbox)],
)


def create_app(settings: AssessmentSettings | None = None) -> FastAPI:
    settings = settings or AssessmentSettings()
    app = create_service_app(DEFINITION, settings)
    runtime = app.state.runtime
    runner = ReevaluationRunner(runtime.sessions, runtime.outbox, batch_size=settings.reevaluation_batch_size,
                                poll_seconds=settings.reevaluation_poll_seconds)
    app.state.reevaluation = runner
    plumbing = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with plumbing(app):  # migrations, broker, relay first; then jobs resume where they stopped
            runner.start()
            try:
                yield
            finally:
                await runner.stop()

    app.router.lifespan_context = lifespan
    return app
