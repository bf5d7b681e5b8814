"""Regulatory vocabularies that appear in event payloads (PermenPANRB 3/2020, 6/2022)."""

from enum import StrEnum


class Rating(StrEnum):
    """Predikat kinerja: the yearly SKP rating."""

    SANGAT_BAIK = "sangat_baik"
    BAIK = "baik"
    BUTUH_PERBAIKAN = "butuh_perbaikan"
    KURANG = "kurang"
    SANGAT_KURANG = "sangat_kurang"


class Expectation(StrEnum):
    """One SKP judgement (hasil kerja or perilaku kerja) against expectations."""

    BELOW = "below"
    MEETS = "meets"
    ABOVE = "above"


class PerformanceLevel(StrEnum):
    """Kinerja axis of the nine-box grid."""

    DI_BAWAH_EKSPEKTASI = "di_bawah_ekspektasi"
    SESUAI_EKSPEKTASI = "sesuai_ekspektasi"
    DI_ATAS_EKSPEKTASI = "di_atas_ekspektasi"


class PotentialLevel(StrEnum):
    """Potensial axis of the nine-box grid."""

    RENDAH = "rendah"
    MENENGAH = "menengah"
    TINGGI = "tinggi"
