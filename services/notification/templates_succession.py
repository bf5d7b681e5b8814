"""Templates for succession events and data-quality reminders, in Indonesian and English. Pure."""

from __future__ import annotations

from services.notification.templates_base import Rendered, greeting
from shared.events.schemas import CandidateNominated, CommitteeDecided, DataQualityChanged, ReadinessChanged, RiskSignaled

READINESS = {
    "siap_sekarang": ("siap sekarang", "ready now"),
    "siap_1_2_tahun": ("siap dalam 1–2 tahun", "ready in 1–2 years"),
    "potensi_masa_depan": ("potensi masa depan (3 tahun atau lebih)", "future potential (3+ years)"),
    "bukan_kandidat": ("bukan kandidat", "not a candidate"),
}

DECISIONS = {
    "calibrate_box": ("kalibrasi kotak talenta", "calibration of the talent box"),
    "approve_candidate": ("persetujuan sebagai kandidat suksesor", "approval as a successor candidate"),
    "reject_candidate": ("penolakan sebagai kandidat suksesor", "rejection as a successor candidate"),
    "set_readiness": ("penetapan kesiapan", "readiness set"),
    "review_plan": ("peninjauan rencana suksesi", "review of the succession plan"),
    "set_plan": ("penetapan rencana suksesi", "succession plan set"),
}

RISKS = {
    "no_ready_successor": ("belum ada suksesor yang siap", "no ready successor"),
    "incumbent_retiring": ("pejabat mendekati batas usia pensiun", "incumbent nearing retirement"),
    "successor_dropped_out": ("suksesor keluar dari rencana", "a successor dropped out"),
}


def _readiness(value: str | None, lang: int) -> str:
    if value is None:
        return "-"
    return READINESS.get(value, (value, value))[lang]


def candidate_nominated_id(e: CandidateNominated, name: str | None) -> Rendered:
    return Rendered(f"Anda dinominasikan sebagai kandidat suksesor: {e.position_name}",
                    f"{greeting('id', name)}\nAnda masuk dalam rencana suksesi jabatan {e.position_name} "
                    f"dengan kesiapan {_readiness(e.readiness, 0)}"
                    + (f" (peringkat {e.rank})" if e.rank else "") + ".")


def candidate_nominated_en(e: CandidateNominated, name: str | None) -> Rendered:
    return Rendered(f"You are nominated as a successor candidate: {e.position_name}",
                    f"{greeting('en', name)}\nYou are in the succession plan of {e.position_name}, "
                    f"readiness {_readiness(e.readiness, 1)}" + (f" (rank {e.rank})" if e.rank else "") + ".")


def readiness_changed_id(e: ReadinessChanged, name: str | None) -> Rendered:
    return Rendered(f"Kesiapan Anda untuk {e.position_name}: {_readiness(e.to_readiness, 0)}",
                    f"{greeting('id', name)}\nKesiapan Anda sebagai suksesor {e.position_name} berubah dari "
                    f"{_readiness(e.from_readiness, 0)} menjadi {_readiness(e.to_readiness, 0)}.\nAlasan: {e.reason}")


def readiness_changed_en(e: ReadinessChanged, name: str | None) -> Rendered:
    return Rendered(f"Your readiness for {e.position_name}: {_readiness(e.to_readiness, 1)}",
                    f"{greeting('en', name)}\nYour readiness as a successor for {e.position_name} changed from "
                    f"{_readiness(e.from_readiness, 1)} to {_readiness(e.to_readiness, 1)}.\nReason: {e.reason}")


def committee_decided_id(e: CommitteeDecided, name: str | None) -> Rendered:
    what = DECISIONS.get(e.kind, (e.kind, e.kind))[0]
    return Rendered(f"Keputusan Komite Talenta: {what}",
                    f"{greeting('id', name)}\nKomite Talenta memutuskan {what}"
                    + (f": {e.value}" if e.value else "") + f".\nAlasan: {e.reason}")


def committee_decided_en(e: CommitteeDecided, name: str | None) -> Rendered:
    what = DECISIONS.get(e.kind, (e.kind, e.kind))[1]
    return Rendered(f"Talent committee decision: {what}",
                    f"{greeting('en', name)}\nThe talent committee decided: {what}"
                    + (f": {e.value}" if e.value else "") + f".\nReason: {e.reason}")


def risk_signaled_id(e: RiskSignaled, name: str | None) -> Rendered:
    return Rendered(f"Risiko suksesi: {e.position_name}",
                    f"{greeting('id', name)}\nRisiko suksesi pada jabatan {e.position_name}: "
                    f"{RISKS.get(e.kind, (e.kind, e.kind))[0]}.\nRincian: {e.detail}")


def risk_signaled_en(e: RiskSignaled, name: str | None) -> Rendered:
    return Rendered(f"Succession risk: {e.position_name}",
                    f"{greeting('en', name)}\nSuccession risk for {e.position_name}: "
                    f"{RISKS.get(e.kind, (e.kind, e.kind))[1]}.\nDetail: {e.detail}")


def data_quality_id(e: DataQualityChanged, name: str | None) -> Rendered:
    fix = "".join(f"\n- {check}" for check in e.failed_checks)
    return Rendered("Mohon perbarui data Anda",
                    f"{greeting('id', name)}\nIndeks kualitas data Anda {e.score:g} dari 100. Mohon lakukan "
                    f"pemutakhiran data mandiri." + (f"\nYang perlu diperbaiki:{fix}" if fix else ""))


def data_quality_en(e: DataQualityChanged, name: str | None) -> Rendered:
    fix = "".join(f"\n- {check}" for check in e.failed_checks)
    return Rendered("Please update your data",
                    f"{greeting('en', name)}\nYour data-quality index is {e.score:g} of 100. Please bring "
                    f"your data up to date." + (f"\nWhat to fix:{fix}" if fix else ""))
