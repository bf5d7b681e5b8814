"""Message templates per event type, in Indonesian (default) and English. Pure; no I/O."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from services.notification import templates_succession as ts
from services.notification.templates_base import Rendered, greeting
from shared.events import EventData
from shared.events.schemas import (
    AssessmentCompleted, CandidateNominated, CommitteeDecided, DataQualityChanged, ReadinessChanged, RiskSignaled,
    TalentReclassified,
)

# Bumped whenever a template's wording changes; recorded on every message rendered with it.
TEMPLATE_VERSIONS = {
    "talent.reclassified": "talent.reclassified/2",
    "assessment.completed": "assessment.completed/1",
    "candidate.nominated": "candidate.nominated/1",
    "readiness.changed": "readiness.changed/1",
    "committee.decided": "committee.decided/1",
    "risk.signaled": "risk.signaled/1",
    "data_quality.changed": "data_quality.changed/1",
    "digest": "digest/1",
}
DEFAULT_LANGUAGE = "id"

POTENTIAL_EN = {"rendah": "low", "menengah": "medium", "tinggi": "high"}

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


def assessment_completed(event: AssessmentCompleted, name: str | None) -> dict[str, Rendered]:
    gaps = [g for g in event.gaps if g.gap > 0]
    gaps_id = "; ".join(f"{g.competency} (level {g.achieved} dari {g.required})" for g in gaps)
    gaps_en = "; ".join(f"{g.competency} (level {g.achieved} of {g.required})" for g in gaps)
    return {
        "id": Rendered("Hasil penilaian kompetensi Anda tersedia",
                       f"{f'Yth. {name},' if name else 'Yth. Bapak/Ibu,'}\nHasil penilaian kompetensi Anda tanggal "
                       f"{event.assessed_on:%d-%m-%Y}: job-person match {event.jpm:g}%, potensial {event.potential_level.value}."
                       + (f"\nKompetensi yang perlu dikembangkan: {gaps_id}." if gaps else
                          "\nSemua kompetensi memenuhi standar jabatan.")),
        "en": Rendered("Your competency assessment results are available",
                       f"{f'Dear {name},' if name else 'Dear colleague,'}\nYour competency assessment of "
                       f"{event.assessed_on.isoformat()}: job-person match {event.jpm:g}%, potential "
                       f"{POTENTIAL_EN[event.potential_level.value]}."
                       + (f"\nCompetencies to develop: {gaps_en}." if gaps else
                          "\nEvery competency meets the position's standard.")),
    }


TemplateFn = Callable[[Any, str | None], Rendered]


@dataclass(frozen=True)
class Template:
    model: type[EventData]
    languages: dict[str, TemplateFn]


TEMPLATES: dict[str, Template] = {
    "talent.reclassified": Template(TalentReclassified, {
        "id": lambda e, name: talent_reclassified(e, name)["id"],
        "en": lambda e, name: talent_reclassified(e, name)["en"]}),
    "assessment.completed": Template(AssessmentCompleted, {
        "id": lambda e, name: assessment_completed(e, name)["id"],
        "en": lambda e, name: assessment_completed(e, name)["en"]}),
    "candidate.nominated": Template(CandidateNominated, {"id": ts.candidate_nominated_id, "en": ts.candidate_nominated_en}),
    "readiness.changed": Template(ReadinessChanged, {"id": ts.readiness_changed_id, "en": ts.readiness_changed_en}),
    "committee.decided": Template(CommitteeDecided, {"id": ts.committee_decided_id, "en": ts.committee_decided_en}),
    "risk.signaled": Template(RiskSignaled, {"id": ts.risk_signaled_id, "en": ts.risk_signaled_en}),
    "data_quality.changed": Template(DataQualityChanged, {"id": ts.data_quality_id, "en": ts.data_quality_en}),
}


@dataclass(frozen=True)
class Message:
    """A notification rendered in one language, with the template version and any fallback noted."""

    rendered: Rendered
    language: str
    version: str
    note: str | None = None


def render(event_type: str, event: EventData, name: str | None, language: str) -> Message:
    """Render in `language`; a template missing for it falls back to Indonesian, and says so."""
    template = TEMPLATES[event_type]
    version = TEMPLATE_VERSIONS[event_type]
    if language in template.languages:
        return Message(template.languages[language](event, name), language, version)
    note = f"no {language!r} template for {event_type} ({version}); rendered in Indonesian"
    return Message(template.languages[DEFAULT_LANGUAGE](event, name), DEFAULT_LANGUAGE, version, note)


def digest(name: str | None, day: str, items: list[tuple[str, str]], language: str) -> Rendered:
    """One email for a day's notifications: (title, body) each."""
    parts = "\n\n".join(f"{i}. {title}\n{body}" for i, (title, body) in enumerate(items, 1))
    if language == "en":
        return Rendered(f"Talenta: your {len(items)} notification(s) of {day}",
                        f"{greeting('en', name)}\nYour notifications of {day}:\n\n{parts}")
    return Rendered(f"Talenta: {len(items)} pemberitahuan Anda tanggal {day}",
                    f"{greeting('id', name)}\nPemberitahuan untuk Anda tanggal {day}:\n\n{parts}")
