"""NIP (Nomor Induk Pegawai, Perka BKN 22/2007): 18 digits = birth date YYYYMMDD + TMT CPNS YYYYMM
+ sex (1 male, 2 female) + a 3-digit sequence. Pure rules, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

Sex = Literal["male", "female"]


class InvalidNip(ValueError):
    """The NIP breaks a rule; the message says which."""


@dataclass(frozen=True)
class Nip:
    value: str
    birth_date: date
    tmt_year: int
    tmt_month: int
    sex: Sex
    sequence: int


def parse_nip(value: str, *, today: date) -> Nip:
    if len(value) != 18 or not value.isascii() or not value.isdigit():
        raise InvalidNip(f"NIP must be exactly 18 digits, got {value!r}")
    try:
        birth = date(int(value[0:4]), int(value[4:6]), int(value[6:8]))
    except ValueError:
        raise InvalidNip(f"NIP digits 1-8 ({value[0:8]}) are not a real birth date") from None
    tmt_year, tmt_month = int(value[8:12]), int(value[12:14])
    if not 1 <= tmt_month <= 12:
        raise InvalidNip(f"NIP digits 9-14 ({value[8:14]}) are not a real TMT CPNS year-month")
    if (tmt_year, tmt_month) < (birth.year + 18, birth.month):
        raise InvalidNip(f"NIP TMT CPNS {tmt_year}-{tmt_month:02d} is before the 18th birthday")
    if (tmt_year, tmt_month) > (today.year, today.month):
        raise InvalidNip(f"NIP TMT CPNS {tmt_year}-{tmt_month:02d} is in the future")
    if value[14] not in "12":
        raise InvalidNip(f"NIP digit 15 (sex) must be 1 or 2, got {value[14]}")
    return Nip(value, birth, tmt_year, tmt_month, "male" if value[14] == "1" else "female", int(value[15:]))


def nip_disagreements(nip: Nip, *, birth_date: date, sex: Sex) -> list[str]:
    """Where the recorded birth date or sex disagree with the NIP (a data-quality inconsistency)."""
    problems = []
    if nip.birth_date != birth_date:
        problems.append(f"birth_date {birth_date.isoformat()} disagrees with the NIP ({nip.birth_date.isoformat()})")
    if nip.sex != sex:
        problems.append(f"sex {sex} disagrees with the NIP ({nip.sex})")
    return problems
