"""Profile rules (domain.md §1): vocabularies and effective-dated history. No I/O."""

from collections.abc import Iterable
from datetime import date
from enum import StrEnum
from typing import TypeVar

GOLONGAN = (
    "I/a", "I/b", "I/c", "I/d",
    "II/a", "II/b", "II/c", "II/d",
    "III/a", "III/b", "III/c", "III/d",
    "IV/a", "IV/b", "IV/c", "IV/d", "IV/e",
)

# PPPK (contract civil servants) are graded I–XVII instead (Perpres 98/2020).
PPPK_GOLONGAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII", "XIV", "XV",
                 "XVI", "XVII")


class EmploymentStatus(StrEnum):
    PNS = "pns"  # civil servant
    PPPK = "pppk"  # government employee with a work agreement


def golongan_fits(golongan: str, status: str) -> bool:
    """PNS hold I/a–IV/e; PPPK hold I–XVII."""
    return golongan in (PPPK_GOLONGAN if status == EmploymentStatus.PPPK else GOLONGAN)


class PositionType(StrEnum):
    JPT_UTAMA = "jpt_utama"
    JPT_MADYA = "jpt_madya"
    JPT_PRATAMA = "jpt_pratama"
    ADMINISTRATOR = "administrator"
    PENGAWAS = "pengawas"
    FUNGSIONAL = "fungsional"
    PELAKSANA = "pelaksana"


class AgencyKind(StrEnum):
    MINISTRY = "ministry"  # kementerian / lembaga
    PROVINCE = "province"
    REGENCY = "regency"  # kabupaten
    CITY = "city"  # kota


class TimeZone(StrEnum):
    """Indonesia's three zones; times are stored in UTC and shown in the agency's zone."""

    WIB = "WIB"  # UTC+7
    WITA = "WITA"  # UTC+8
    WIT = "WIT"  # UTC+9


E = TypeVar("E")


def current_entry(entries: Iterable[tuple[date, int, E]], *, today: date) -> E | None:
    """The entry in force today: the latest effective date not in the future; among entries with the
    same date, the one recorded last (the second element orders them). Future-dated entries wait."""
    in_force = [entry for entry in entries if entry[0] <= today]
    return max(in_force, key=lambda entry: (entry[0], entry[1]))[2] if in_force else None
