"""The demo generator against the four services as processes: a small regency loaded through the public
APIs yields placements, pools, plans, committee agenda items and notifications."""

from __future__ import annotations

import asyncio

import pytest

from deploy.demo.load import Urls, load
from deploy.demo.regency import generate

pytestmark = pytest.mark.infra


def test_a_small_regency_loads_through_the_public_apis(system_on_sqlite: dict[str, str], unique: str) -> None:
    regency = generate(80, seed=5, agency_id=f"kab-demo-{unique}")
    summary = asyncio.run(load(regency, Urls(**system_on_sqlite), timeout=150))
    assert summary["people"] == 80 and sum(summary["by_box"].values()) == 80
    assert summary["succession_group"] > 0 and summary["key_positions"] == 12
    assert summary["first_plan"]["candidates"] > 0
    assert summary["agenda_items"] > summary["succession_group"]  # placements of 5 and 7–9, and plan candidates
    assert summary["inbox_messages"] > 0  # the ASN was told their results and their box
