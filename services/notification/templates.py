"""Message templates per event type, in Indonesian (default) and English. Pure; no I/O."""

from __future__ import annotations

from dataclasses import dataclass

from shared.events.schemas import TalentReclassified

TEMPLATE_VERSION = "talent.reclassified/2"

# Follow-up per box (domain.md §4) as the ASN reads it; the event carries the English wording.
RECOMMENDATIONS_ID = {
    9: ("dipromosikan dan dipertahankan", "kelompok rencana suksesi instansi dan nasional", "penghargaan"),
    8: ("dipertahankan", "kelompok rencana suksesi instansi", "rotasi / perluasan jabatan", "bimbingan kinerja"),
    7: ("dipertahankan", "kelompok rencana suksesi instansi", "rotasi / pengayaan jabatan",
        "pengembangan kompetensi", "tugas belajar"),
    6: ("penempatan yang sesuai", "bimbingan kinerja", "konseling kinerja"),
    5: ("penempatan yang sesuai", "bimbingan kinerja", "pengembangan kompetensi"),
    4: ("rotasi", "pengembangan kompetensi"),
    3: ("bimbingan kinerja", "konseling kinerja", "pengembangan kompetensi", "penempatan yang sesuai"),
    2: ("bimbingan kinerja", "pengembangan kompetensi", "penempatan yang sesuai"),
    1: ("ditangani sesuai ketentuan disiplin dan manajemen kinerja",),
}

BOX_NAMES_ID = {
    9: "Kotak 9 (kinerja di atas ekspektasi, potensial tinggi)",
    8: "Kotak 8 (kinerja sesuai ekspektasi, potensial tinggi)",
    7: "Kotak 7 (kinerja di atas ekspektasi, potensial menengah)",
    6: "Kotak 6 (kinerja di bawah ekspektasi, potensial tinggi)",
    5: "Kotak 5 (kinerja sesuai ekspektasi, potensial menengah)",
    4: "Kotak 4 (kinerja di atas ekspektasi, potensial rendah)",
    3: "Kotak 3 (kinerja di bawah ekspektasi, potensial menengah)",
    2: "Kotak 2 (kinerja sesuai ekspektasi, potensial rendah)",
    1: "Kotak 1 (kinerja di bawah ekspektasi, potensial rendah)",
}


@dataclass(frozen=True)
class Rendered:
    title: str
    body: str


def talent_reclassified(event: TalentReclassified, name: str | None) -> dict[str, Rendered]:
    greeting_id = f"Yth. {name}," if name else "Yth. Bapak/Ibu,"
    greeting_en = f"Dear {name}," if name else "Dear colleague,"
    if event.to_box is None:
        return {
            "id": Rendered("Pemetaan talenta Anda belum dapat ditetapkan",
                           f"{greeting_id}\nPemetaan sembilan kotak Anda belum dapat ditetapkan karena nilai "
                           "kinerja (SKP) atau hasil penilaian kompetensi Anda belum ada atau sudah tidak berlaku "
                           "(rincian: " + "; ".join(event.reasons) + ").\nSilakan lengkapi data Anda."),
            "en": Rendered("Your talent placement cannot be set yet",
                           f"{greeting_en}\nYour nine-box placement cannot be set yet: "
                           + "; ".join(event.reasons) + ".\nPlease complete your data."),
        }
    moved_id = f"dari kotak {event.from_box} " if event.from_box else ""
    moved_en = f"from box {event.from_box} " if event.from_box else ""
    return {
        "id": Rendered(f"Pemetaan talenta Anda: kotak {event.to_box}",
                       f"{greeting_id}\nHasil pemetaan talenta Anda berpindah {moved_id}ke "
                       f"{BOX_NAMES_ID[event.to_box]}.\nRekomendasi pengembangan: "
                       + "; ".join(RECOMMENDATIONS_ID[event.to_box]) + "."),
        "en": Rendered(f"Your talent placement: box {event.to_box}",
                       f"{greeting_en}\nYour talent placement moved {moved_en}to box {event.to_box}.\n"
                       "Development recommendations: " + "; ".join(event.recommendations) + "."),
    }
