"""What every template returns."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rendered:
    title: str
    body: str


def greeting(language: str, name: str | None) -> str:
    if language == "en":
        return f"Dear {name}," if name else "Dear colleague,"
    return f"Yth. {name}," if name else "Yth. Bapak/Ibu,"
