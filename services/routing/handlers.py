"""routing's edge: consume accepted complaints, ask decide.py, publish where the decision says."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from services.routing import store
from services.routing.decide import RoutingInput, decide, triage_reason
from services.routing.settings import RoutingSettings
from shared.agencies import AGENCIES
from shared.db import Connection, Database
from shared.events import (
    Complaint,
    ComplaintStatus,
    Envelope,
    EventType,
    Level,
    RoutedComplaint,
    RoutingDecision,
    StatusChanged,
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
        async with once(self.db.pool, store.SCHEMA, "accepted", envelope.event_id) as conn:
            if conn is None:
                return
            await self._dispatch(conn, envelope, complaint, decision, triage_reason(decision, self.triage_threshold))

    @property
    def triage_threshold(self) -> float:
        return self.settings.triage_threshold

    async def _dispatch(
        self,
        conn: Connection,
        cause: Envelope,
        complaint: Complaint,
        decision: RoutingDecision,
        why_triage: str | None,
        *,
        reroute_of: uuid.UUID | None = None,
    ) -> None:
        """Record the decision and publish it: to triage with the reason, else routed (and the agency's topic)."""
        if why_triage is not None:
            await store.record_decision(conn, cause.event_id, complaint, decision, "triage", cause.correlation_id)
            await self.publisher.publish(
                self.topics.triage,
                cause.follow(
                    EventType.TRIAGE,
                    TriageRequest(complaint=complaint, suggestion=decision, why=why_triage),
                    producer=PRODUCER,
                    complaint_id=complaint.complaint_id,
                ),
            )
            log.info("complaint sent to triage", tracking_number=complaint.tracking_number, why=why_triage)
            return
        routed = cause.follow(
            EventType.ROUTED,
            RoutedComplaint(complaint=complaint, decision=decision, reroute_of=reroute_of),
            producer=PRODUCER,
            complaint_id=complaint.complaint_id,
        )
        await store.record_decision(
            conn,
            cause.event_id,
            complaint,
            decision,
            "routed",
            cause.correlation_id,
            routed_event_id=routed.event_id,
            reroute_of=reroute_of,
        )
        await self._publish_routed(routed)
        log.info(
            "complaint re-routed" if reroute_of else "complaint routed",
            tracking_number=complaint.tracking_number,
            level=decision.level.value,
            urusan=decision.urusan,
            agency_code=decision.agency_code,
            confidence=round(decision.confidence, 3),
        )

    async def on_status(self, envelope: Envelope[StatusChanged]) -> None:
        """An agency's "bukan wewenang" answer: decide again without the agencies that declined.

        The new decision is published on complaints.routed with `reroute_of` (the forwarder re-disposes
        the LAPOR! report) and on the new agency's topic; after `max_declines` answers a human decides.
        """
        status = envelope.payload
        if status.status is not ComplaintStatus.NOT_OUR_AUTHORITY:
            return
        async with once(self.db.pool, store.SCHEMA, "status", envelope.event_id) as conn:
            if conn is None:
                return
            last = await store.latest_decision(conn, status.tracking_number)
            if last is None or last["outcome"] != "routed":
                log.info(
                    "bukan wewenang for a complaint not routed by an agency now; ignored",
                    tracking_number=status.tracking_number,
                    has_decision=last is not None,
                )
                return
            declined = status.agency_code or last["agency_code"]
            if declined != last["agency_code"]:
                log.info(
                    "bukan wewenang from an agency that no longer holds the complaint; ignored",
                    tracking_number=status.tracking_number,
                    agency_code=declined,
                )
                return
            excluded = [*json.loads(last["excluded_agencies"]), declined]
            complaint = Complaint.model_validate_json(last["complaint"])
            decision = decide(replace(routing_input(complaint), excluded_agencies=frozenset(excluded)))
            declines = tuple(f"bukan wewenang: {code} declined the complaint" for code in excluded)
            decision = decision.model_copy(update={"reasons": (*declines, *decision.reasons)})
            why = None
            if len(excluded) >= self.settings.max_declines:
                why = f"{len(excluded)} agencies answered bukan wewenang ({', '.join(excluded)})"
            else:
                why = triage_reason(decision, self.triage_threshold)
            await self._dispatch(conn, envelope, complaint, decision, why, reroute_of=last["routed_event_id"])

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
            region_code=agency.region_code if agency.level in LAMPUNG_LEVELS else None,
            place=json.loads(waiting["place"]) if waiting["place"] else None,
            agency_code=agency.code,
            confidence=1.0,
            reasons=(f"human triage by {operator}{note}", *json.loads(waiting["reasons"])),
            excluded_agencies=tuple(json.loads(waiting["excluded_agencies"])),
            rule_version=waiting["rule_version"],
        )
        routed = new_envelope(
            EventType.ROUTED,
            # After "bukan wewenang" answers the human's decision replaces the last routed one (LAPOR! re-disposes).
            RoutedComplaint(
                complaint=complaint, decision=decision, reroute_of=await store.last_routed_event(self.db.pool, tracking)
            ),
            producer=f"{PRODUCER}-triage",
            complaint_id=complaint.complaint_id,
            correlation_id=waiting["correlation_id"],
            event_id=derived_id("triage", complaint.complaint_id, agency.code),
        )
        async with self.db.pool.acquire() as conn, conn.transaction():
            await store.record_decision(
                conn,
                routed.event_id,
                complaint,
                decision,
                "routed",
                routed.correlation_id,
                routed_event_id=routed.event_id,
            )
            await self._publish_routed(routed)
        log.info("triage decided", tracking_number=tracking, agency_code=agency.code)
        return JSONResponse(
            {"tracking_number": tracking, "decision": decision.model_dump(mode="json")}, status_code=202
        )

    async def explain(self, request: Request) -> Response:
        """GET /v1/decisions/{tracking_number}: every decision made for a complaint, with its reasons."""
        rows = await store.decisions_for(self.db.pool, request.path_params["tracking_number"])
        if not rows:
            return _problem(404, "no decision for that tracking number")
        return JSONResponse(
            [
                {
                    "level": r["level"],
                    "urusan": r["urusan"],
                    "region_code": r["region_code"],
                    "agency_code": r["agency_code"],
                    "confidence": r["confidence"],
                    "outcome": r["outcome"],
                    "reasons": json.loads(r["reasons"]),
                    "decided_at": r["decided_at"].isoformat(),
                    "place": json.loads(r["place"]) if r["place"] else None,
                    "rule_version": r["rule_version"],
                    "excluded_agencies": json.loads(r["excluded_agencies"]),
                    "reroute_of": str(r["reroute_of"]) if r["reroute_of"] else None,
                }
                for r in rows
            ]
        )

    def routes(self) -> list[Route]:
        return [
            Route("/v1/decisions/{tracking_number}", self.explain, methods=["GET"]),
            Route("/v1/triage/{tracking_number}", self.decide_triage, methods=["POST"]),
        ]


def _problem(status: int, title: str) -> JSONResponse:
    return JSONResponse(
        {"type": "about:blank", "title": title, "status": status},
        status_code=status,
        media_type="application/problem+json",
    )
