-- The citizen's timeline (services/intake/timeline.py): every step the other services announced, once
-- per event (the event id is the key, so a redelivery is the same step), with the facts it carried.
CREATE TABLE timeline (
    complaint_id      uuid        NOT NULL,
    event_id          uuid        NOT NULL,
    step              text        NOT NULL,
    at                timestamptz NOT NULL,
    agency_code       text,
    lapor_tracking_id text,
    note              text,
    duplicate_of      text,
    recorded_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (complaint_id, event_id)
);

-- The next deadline: the notifier's latest announcement per clock (sla.alerts).
CREATE TABLE deadlines (
    complaint_id uuid        NOT NULL,
    clock        text        NOT NULL,
    kind         text        NOT NULL,
    due_at       timestamptz NOT NULL,
    announced_at timestamptz NOT NULL,
    PRIMARY KEY (complaint_id, clock)
);

-- What GeoReport's GET requests may show of a complaint, as it left intake (complaints.accepted:
-- reporter dropped, anonymous and confidential text masked), PII patterns masked once more. A
-- confidential complaint keeps no text here. service_code: the client's (Open311), urusan: routing's.
CREATE TABLE public_requests (
    complaint_id uuid        PRIMARY KEY,
    service_code text,
    urusan       text,
    description  text,
    address      text,
    lat          double precision,
    lon          double precision,
    known        boolean     NOT NULL DEFAULT false,  -- the accepted complaint's facts are in (not only routing's urusan)
    recorded_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX complaints_received_at ON complaints (received_at DESC);
