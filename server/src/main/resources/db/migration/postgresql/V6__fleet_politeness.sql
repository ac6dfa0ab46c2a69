-- Politeness toward receiving mail servers, shared by every process of a fleet.
--
-- fleet_destination: one row per destination (an MX host, or provider:<name> for the big providers);
--   its row lock orders the processes asking for a session slot, and next_start spaces new
--   sessions (smtp_politeness.min_interval_ms).
-- fleet_destination_slot: one row per open SMTP session; the holder renews expires_at well before it
--   passes, so the slots of a process that dies (kill -9) are free when they expire.
-- fleet_catch_all: a domain's definite answer to the catch-all probe, valid until expires_at.

CREATE TABLE IF NOT EXISTS fleet_destination (
    destination TEXT PRIMARY KEY,
    next_start TIMESTAMPTZ NOT NULL
);

CREATE TABLE IF NOT EXISTS fleet_destination_slot (
    id BIGSERIAL PRIMARY KEY,
    destination TEXT NOT NULL,
    holder TEXT NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS fleet_destination_slot_destination ON fleet_destination_slot (destination, expires_at);

CREATE TABLE IF NOT EXISTS fleet_catch_all (
    domain TEXT PRIMARY KEY,
    catch_all BOOLEAN NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);

-- One round trip per session start: under the destination's row lock, drop expired slots, and take
-- a slot if fewer than p_max are open and the spacing allows a new session now.
-- Returns the slot id (NULL when refused) and, when refused for spacing, how long until it allows one
-- (0 when refused because every slot is taken: the caller asks again shortly).
CREATE OR REPLACE FUNCTION fleet_destination_acquire(p_destination TEXT, p_holder TEXT, p_max INTEGER,
        p_interval_ms INTEGER, p_ttl_ms INTEGER)
RETURNS TABLE (slot_id BIGINT, wait_ms BIGINT)
LANGUAGE plpgsql AS $$
DECLARE
    now_ts TIMESTAMPTZ := clock_timestamp();
    nxt TIMESTAMPTZ;
    n INTEGER;
    sid BIGINT;
BEGIN
    INSERT INTO fleet_destination (destination, next_start) VALUES (p_destination, '-infinity')
        ON CONFLICT (destination) DO NOTHING;
    SELECT d.next_start INTO nxt FROM fleet_destination d WHERE d.destination = p_destination FOR UPDATE;
    DELETE FROM fleet_destination_slot s WHERE s.destination = p_destination AND s.expires_at <= now_ts;
    SELECT count(*) INTO n FROM fleet_destination_slot s WHERE s.destination = p_destination;
    IF n >= p_max THEN
        RETURN QUERY SELECT NULL::BIGINT, 0::BIGINT;
        RETURN;
    END IF;
    IF nxt > now_ts THEN
        RETURN QUERY SELECT NULL::BIGINT, GREATEST(1, CEIL(EXTRACT(EPOCH FROM (nxt - now_ts)) * 1000))::BIGINT;
        RETURN;
    END IF;
    INSERT INTO fleet_destination_slot (destination, holder, expires_at)
        VALUES (p_destination, p_holder, now_ts + p_ttl_ms * INTERVAL '1 millisecond')
        RETURNING id INTO sid;
    UPDATE fleet_destination SET next_start = now_ts + p_interval_ms * INTERVAL '1 millisecond'
        WHERE destination = p_destination;
    RETURN QUERY SELECT sid, 0::BIGINT;
END
$$;
