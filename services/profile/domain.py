"""Profile rules (domain.md §1): vocabularies and the checks a registration must pass. No I/O."""

from enum import StrEnum

GOLONGAN = (
    "I/a", "I/b", "I/c", "I/d",
    "II/a", "II/b", "II/c", "II/d",
    "III/a", "III/b", "III/c", "III/d",
    "IV/a", "IV/b", "IV/c", "IV/d", "IV/e",
)


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
