"""routing's edge: consume accepted complaints, ask decide.py, publish where the decision says."""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from services.routing import store
from services.routing.decide import RoutingInput, decide
from services.routing.settings import RoutingSettings
from shared.agencies import AGENCIES
from shared.db import Database
from shared.events import (
    Complaint,
    Envelope,
    EventType,
    Level,
    RoutedComplaint,
    RoutingDecision,
    TriageRequest,
    derived_id,
    new_envelope,
)
from shared.idempotency import once
from shared.kafka import Publisher
from shared.logging import get_logger

log = get_logger(__name__)
PRODUCER = "routing"
LAMPUNG_LEVELS = (Level.KABKOTA, Level.PROVINSI)


def routing_input(complaint: Complaint) -> RoutingInput:
    return RoutingInput(
        title=complaint.title,
        body=complaint.body,
        location_text=complaint.location.text,
        region_code=complaint.location.region_code,
        hint_category=complaint.hints.category,
        hint_target_agency=complaint.hints.target_agency,
    )


class RoutingHandlers:
    def __init__(self, publisher: Publisher, db: Database, settings: RoutingSettings) -> None:
        self.publisher = publisher
        self.db = db
        self.settings = settings
        self.topics = settings.topics

    async def on_accepted(self, envelope: Envelope[Complaint]) -> None:
        complaint = envelope.payload
        decision = decide(routing_input(complaint))
        to_triage = decision.confidence < self.settings.triage_threshold
        async with once(self.db.pool, store.SCHEMA, "accepted", envelope.event_id) as conn:
            if conn is None:
                return
            await store.record_decision(conn, envelope.event_id, complaint, decision,
                                        "triage" if to_triage else "routed", envelope.correlation_id)
            if to_triage:
                why = f"confidence {decision.confidence:.2f} below {self.settings.triage_threshold:.2f}"
                await self.publisher.publish(self.topics.triage, envelope.follow(
                    EventType.TRIAGE, TriageRequest(complaint=complaint, suggestion=decision, why=why),
                    producer=PRODUCER))
                log.info("complaint sent to triage", tracking_number=complaint.tracking_number, why=why)
                return
            await self._publish_routed(envelope.follow(
                EventType.ROUTED, RoutedComplaint(complaint=complaint, decision=decision), producer=PRODUCER))
            log.info("complaint routed", tracking_number=complaint.tracking_number, level=decision.level.value,
                     urusan=decision.urusan, agency_code=decision.agency_code,
                     confidence=round(decision.confidence, 3))

    async def _publish_routed(self, routed: Envelope[RoutedComplaint]) -> None:
        await self.publisher.publish(self.topics.routed, routed)
        decision = routed.payload.decision
        # pusat/bumn complaints go to LAPOR! only: no Lampung agency topic (domain/urusan.md)
        if decision.level in LAMPUNG_LEVELS:
            agency_copy = routed.model_copy(update={"event_id": derived_id(routed.event_id, "agency")})
            await self.publisher.publish(self.topics.agency(decision.agency_code), agency_copy)

    async def decide_triage(self, request: Request) -> Response:
        """POST /v1/triage/{tracking_number}: a human's decision for a complaint waiting in triage.

        Body: {"agency_code": ..., "urusan"?: ..., "operator": ..., "note"?: ...}. The decision is
        recorded and routed like any other, with the human named in its reasons. Repeating the same
        decision is harmless: its event id is derived from the complaint and the agency chosen.
        """
        tracking = request.path_params["tracking_number"]
        try:
            body = await request.json()
            agency = AGENCIES[body["agency_code"]]
            operator = str(body["operator"])
        except (ValueError, KeyError, TypeError):
            return _problem(422, "agency_code (a known agency) and operator are required")
        waiting = await store.awaiting_triage(self.db.pool, tracking)
        if waiting is None:
            return _problem(404, "no complaint with that tracking number is waiting in triage")
        complaint = Complaint.model_validate_json(waiting["complaint"])
        note = f": {body['note']}" if body.get("note") else ""
        decision = RoutingDecision(
            level=agency.level,
            urusan=body.get("urusan") or waiting["urusan"],
            region_code=agency.region_code if agency.level in LAMPUNG_LEVELS else waiting["region_code"],
            agency_code=agency.code,
            confidence=1.0,
            reasons=(f"human triage by {operator}{note}", *json.loads(waiting["reasons"])),
        )
        routed = new_envelope(EventType.ROUTED, RoutedComplaint(complaint=complaint, decision=decision),
                              producer=f"{PRODUCER}-triage", complaint_id=complaint.complaint_id,
                              correlation_id=waiting["correlation_id"],
                              event_id=derived_id("triage", complaint.complaint_id, agency.code))
        async with self.db.pool.acquire() as conn, conn.transaction():
            await store.record_decision(conn, routed.event_id, complaint, decision, "routed", routed.correlation_id)
            await self._publish_routed(routed)
        log.info("triage decided", tracking_number=tracking, agency_code=agency.code)
        return JSONResponse({"tracking_number": tracking, "decision": decision.model_dump(mode="json")},
                            status_code=202)

    async def explain(self, request: Request) -> Response:
        """GET /v1/decisions/{tracking_number}: every decision made for a complaint, with its reasons."""
        rows = await store.decisions_for(self.db.pool, request.path_params["tracking_number"])
        if not rows:
            return _problem(404, "no decision for that tracking number")
        return JSONResponse([{
            "level": r["level"], "urusan": r["urusan"], "region_code": r["region_code"],
            "agency_code": r["agency_code"], "confidence": r["confidence"], "outcome": r["outcome"],
            "reasons": json.loads(r["reasons"]), "decided_at": r["decided_at"].isoformat(),
        } for r in rows])

    def routes(self) -> list[Route]:
        return [
            Route("/v1/decisions/{tracking_number}", self.explain, methods=["GET"]),
            Route("/v1/triage/{tracking_number}", self.decide_triage, methods=["POST"]),
        ]


def _problem(status: int, title: str) -> JSONResponse:
    return JSONResponse({"type": "about:blank", "title": title, "status": status}, status_code=status,
                        media_type="application/problem+json")
