"""How far a complaint has come, in the words a citizen following a tracking number reads. Pure."""

from __future__ import annotations

from shared.events import ComplaintStatus, ForwardOutcome

# The stages in the order a complaint passes them; a later event never moves a complaint back.
STAGES: tuple[str, ...] = (
    "accepted",
    "in_triage",
    "routed",
    "forward_failed",
    "forwarded",
    ComplaintStatus.VERIFIED.value,
    ComplaintStatus.DISPOSED.value,
    ComplaintStatus.DETAIL_REQUESTED.value,
    ComplaintStatus.NOT_OUR_AUTHORITY.value,
    ComplaintStatus.FOLLOWED_UP.value,
    ComplaintStatus.CLOSED.value,
)
RANK = {stage: rank for rank, stage in enumerate(STAGES)}

MEANING = {
    "accepted": "Diterima; sedang ditentukan instansi yang berwenang.",
    "in_triage": "Sedang diperiksa petugas untuk menentukan instansi yang berwenang.",
    "routed": "Diteruskan ke instansi yang berwenang; sedang dikirim ke SP4N-LAPOR!.",
    "forward_failed": "Pengiriman ke SP4N-LAPOR! tertunda; petugas menindaklanjuti.",
    "forwarded": "Tercatat di SP4N-LAPOR!; menunggu verifikasi.",
    "verified": "Diverifikasi oleh SP4N-LAPOR!.",
    "disposed": "Didisposisikan ke instansi yang berwenang.",
    "detail_requested": "Instansi meminta keterangan tambahan dari pelapor.",
    "not_our_authority": "Instansi menyatakan bukan wewenangnya; sedang dialihkan.",
    "followed_up": "Ditindaklanjuti oleh instansi.",
    "closed": "Selesai.",
}


def forwarded_stage(outcome: ForwardOutcome) -> str:
    return "forwarded" if outcome == ForwardOutcome.CREATED else "forward_failed"
