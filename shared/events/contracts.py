"""Event schemas as pinned JSON Schema files (shared/events/jsonschema/<type>.v<version>.json).

A contract test compares each payload model with its file, so a change to an event is a deliberate
act: a compatible change (a new optional field) rewrites the file with
    python -m shared.events.contracts --write
and a breaking one needs a new schema version or a new event type."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from shared.events.envelope import Envelope, EventData
from shared.events.schemas import EVENT_TYPES

CONTRACTS = Path(__file__).parent / "jsonschema"


def contract_path(model: type[EventData]) -> Path:
    return CONTRACTS / f"{model.event_type}.v{model.schema_version}.json"


def current_schema(model: type[EventData]) -> dict[str, object]:
    return {"topic": model.topic, "event_type": model.event_type, "schema_version": model.schema_version,
            "data": model.model_json_schema()}


def envelope_schema() -> dict[str, object]:
    return Envelope.model_json_schema()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", action="store_true", help="rewrite the pinned files from the models")
    args = parser.parse_args()
    files = {contract_path(m): current_schema(m) for m in EVENT_TYPES.values()}
    files[CONTRACTS / "envelope.json"] = envelope_schema()
    for path, schema in files.items():
        text = json.dumps(schema, indent=2, sort_keys=True) + "\n"
        if args.write:
            path.write_text(text)
        print(("wrote " if args.write else "") + str(path))


if __name__ == "__main__":
    main()
