"""The assessment service: competency assessments and SKP ratings, the two axes of the grid."""

from pathlib import Path
from typing import cast

from fastapi import FastAPI

from services.assessment import api, api_admin, handlers, models
from services.assessment.imports import AssessmentImport, RatingImport
from services.assessment.reevaluation import ReevaluationRunner
from services.assessment.settings import AssessmentSettings
from shared.events.schemas import AssessmentCompleted, PerformanceRated
from shared.service_app import Runtime, ServiceDefinition, create_service_app


def _reevaluation(runtime: Runtime) -> ReevaluationRunner:
    settings = cast(AssessmentSettings, runtime.settings)
    return ReevaluationRunner(runtime.sessions, runtime.outbox, batch_size=settings.reevaluation_batch_size,
                              poll_seconds=settings.reevaluation_poll_seconds)


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
    workers=lambda runtime: [_reevaluation(runtime)],  # resumes unfinished re-evaluation jobs at start-up
)


def create_app(settings: AssessmentSettings | None = None) -> FastAPI:
    return create_service_app(DEFINITION, settings or AssessmentSettings())
