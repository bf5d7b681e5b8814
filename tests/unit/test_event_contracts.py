"""Event schemas are the contract between services: these tests pin them to the committed files."""

import json

import pytest

from shared.events.contracts import CONTRACTS, contract_path, current_schema, envelope_schema
from shared.events.schemas import EVENT_TYPES


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_payload_schema_matches_its_pinned_contract(event_type: str) -> None:
    model = EVENT_TYPES[event_type]
    pinned = json.loads(contract_path(model).read_text())
    assert current_schema(model) == pinned, (
        f"{event_type} changed: if compatible, run `python -m shared.events.contracts --write`; "
        "if breaking, publish a new schema version instead"
    )


def test_envelope_schema_matches_its_pinned_contract() -> None:
    assert envelope_schema() == json.loads((CONTRACTS / "envelope.json").read_text())


def test_every_pinned_contract_has_a_model() -> None:
    pinned = {p.name for p in CONTRACTS.glob("*.json")} - {"envelope.json"}
    assert pinned == {contract_path(m).name for m in EVENT_TYPES.values()}
