-- The reporter's messages for LAPOR!: the answer to the agency's follow-up (complaints.responses) and
-- the further messages on a complaint (complaints.follow_ups, kind `message`), each event once. LAPOR!
-- takes a response only after the agency's follow-up, so a message is kept here with what is needed to
-- send it (its text, masked by intake, with its attachments as links) until LAPOR! has it:
--   pending  not tried yet, or tried without a definite answer (the status sync tries again);
--   waiting  LAPOR! said the report is not followed up (409): sent when the status sync sees the
--            agency's follow-up (`reports.lapor_status`);
--   sent     in LAPOR! (the text is cleared then);
--   refused  LAPOR! refused it for good (another 4xx; `last_error`).
-- Messages waiting together go as one response, oldest first, under the reference of the first
-- (`resp-<event id>`, the same as a single message's); `reference` is set before the call, with
-- `doubt_at`, so a call whose answer was lost is looked up on the report before anything is sent again.
ALTER TABLE responses ADD COLUMN kind text NOT NULL DEFAULT 'response' CHECK (kind IN ('response', 'message'));
ALTER TABLE responses ADD COLUMN body text;
ALTER TABLE responses ADD COLUMN received_at timestamptz;
ALTER TABLE responses ADD COLUMN queued_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE responses ADD COLUMN reference text;
ALTER TABLE responses ADD COLUMN last_error text;
ALTER TABLE responses DROP CONSTRAINT responses_state_check;
ALTER TABLE responses ADD CONSTRAINT responses_state_check CHECK (state IN ('pending', 'waiting', 'sent', 'refused'));
-- a response sent by the earlier code whose answer was lost: its reference was resp-<event id>
UPDATE responses SET reference = 'resp-' || event_id WHERE state = 'pending' AND doubt_at IS NOT NULL;
CREATE INDEX responses_unsent ON responses (complaint_id) WHERE state IN ('pending', 'waiting');
CREATE INDEX responses_reference ON responses (reference) WHERE reference IS NOT NULL;

-- The latest LAPOR! status the status sync applied to the report (and its step's sequence number):
-- the reporter's waiting messages go once it is `followed_up`.
ALTER TABLE reports ADD COLUMN lapor_status text;
ALTER TABLE reports ADD COLUMN lapor_status_seq bigint;
