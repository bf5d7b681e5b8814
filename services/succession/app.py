"""The succession service: nine-box placements, pools, plans, the talent committee, IDPs and risks."""

from pathlib import Path
from typing import cast

from fastapi import FastAPI

from services.succession import (
    api,
    committee_api,
    development_api,
    handlers,
    key_positions_api,
    models,
    reports_api,
    rules_api,
)
from services.succession.metrics import PLACEMENTS_BY_BOX
from services.succession.sweeps import ParkedEventsSweep, RiskSweep
from services.succession.settings import SuccessionSettings
from shared.events.schemas import (
    CandidateNominated,
    CommitteeDecided,
    PlanChanged,
    ReadinessChanged,
    RiskSignaled,
    TalentReclassified,
)
from shared.background import PeriodicSweep
from shared.service_app import Runtime, ServiceDefinition, create_service_app

DEFINITION = ServiceDefinition(
    name="succession",
    title="Talenta succession service",
    description="Nine-box placements and their history; talent pools, key positions, succession plans, "
    "the talent committee and development plans.",
    metadata=models.metadata,
    migrations=Path(__file__).parent / "migrations",
    routers=[api.router, key_positions_api.router, rules_api.router, committee_api.router, development_api.router,
             reports_api.router],
    publishes=[TalentReclassified, CandidateNominated, ReadinessChanged, CommitteeDecided, PlanChanged, RiskSignaled],
    subscriptions=handlers.subscriptions,
    gauges=[PLACEMENTS_BY_BOX],
    workers=lambda runtime: _sweeps(runtime),
)


def _sweeps(runtime: Runtime) -> list[PeriodicSweep]:
    settings = cast(SuccessionSettings, runtime.settings)
    return [RiskSweep(runtime, interval_seconds=settings.risk_sweep_seconds),
            ParkedEventsSweep(runtime, interval_seconds=settings.parked_sweep_seconds)]


def create_app(settings: SuccessionSettings | None = None) -> FastAPI:
    return create_service_app(DEFINITION, settings or SuccessionSettings())
