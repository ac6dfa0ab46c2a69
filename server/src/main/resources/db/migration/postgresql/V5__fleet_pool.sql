-- Fleet-wide proxy pool state: what every process using the same proxies must agree on.
--
-- fleet_proxy_budget: one row per proxy; tokens left per limited period (second, minute, hour,
--   day; NULL = not limited) and when they were last refilled. Greedy refill, as Bucket4j's local
--   buckets in a single process: a period's capacity is its limit, refilled continuously.
-- fleet_proxy_lease: one row per in-flight verification; a holder renews its rows well before
--   expires_at, so a process that dies (kill -9) frees its slots when they expire.
-- fleet_proxy_health: the current ejection (scope '') or blacklist backoff (scope = provider key, or
--   the MX host for everything_else)
--   of a proxy, read by a process at start; changes are also sent with NOTIFY.

CREATE TABLE IF NOT EXISTS fleet_proxy_budget (
    proxy_id TEXT PRIMARY KEY,
    tokens DOUBLE PRECISION[] NOT NULL,
    refilled_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE IF NOT EXISTS fleet_proxy_lease (
    id BIGSERIAL PRIMARY KEY,
    proxy_id TEXT NOT NULL,
    holder TEXT NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS fleet_proxy_lease_proxy ON fleet_proxy_lease (proxy_id, expires_at);
CREATE INDEX IF NOT EXISTS fleet_proxy_lease_holder ON fleet_proxy_lease (holder);

CREATE TABLE IF NOT EXISTS fleet_proxy_health (
    proxy_id TEXT NOT NULL,
    scope TEXT NOT NULL,
    until TIMESTAMPTZ NOT NULL,
    strikes INTEGER NOT NULL,
    by_process TEXT NOT NULL,
    trial_owner TEXT,
    trial_until TIMESTAMPTZ,
    PRIMARY KEY (proxy_id, scope)
);

-- One round trip per verification start: under the proxy's row lock, drop expired leases, check
-- max_in_flight, refill and take one token from every limited period, and insert the lease.
-- p_limits: requests per second, minute, hour, day (NULL entries: no limit). With p_enforce false
-- the lease is taken whatever the cap and budget say (upstream's v0 endpoint is never throttled).
-- Returns the lease id (NULL when refused), how long to wait when refused, and the in-flight count.
CREATE OR REPLACE FUNCTION fleet_acquire(p_proxy TEXT, p_holder TEXT, p_ttl_ms INTEGER,
        p_max_in_flight INTEGER, p_limits INTEGER[], p_enforce BOOLEAN)
RETURNS TABLE (lease_id BIGINT, wait_ms BIGINT, in_flight INTEGER)
LANGUAGE plpgsql AS $$
DECLARE
    periods CONSTANT DOUBLE PRECISION[] := ARRAY[1, 60, 3600, 86400];
    now_ts TIMESTAMPTZ := clock_timestamp();
    old_tokens DOUBLE PRECISION[];
    refilled TIMESTAMPTZ;
    tok DOUBLE PRECISION[] := ARRAY[NULL, NULL, NULL, NULL]::DOUBLE PRECISION[];
    elapsed DOUBLE PRECISION;
    wait_s DOUBLE PRECISION := 0;
    cap DOUBLE PRECISION;
    n INTEGER;
    lid BIGINT;
BEGIN
    INSERT INTO fleet_proxy_budget (proxy_id, tokens, refilled_at)
        VALUES (p_proxy, ARRAY[NULL, NULL, NULL, NULL]::DOUBLE PRECISION[], now_ts)
        ON CONFLICT (proxy_id) DO NOTHING;
    SELECT b.tokens, b.refilled_at INTO old_tokens, refilled
        FROM fleet_proxy_budget b WHERE b.proxy_id = p_proxy FOR UPDATE;
    DELETE FROM fleet_proxy_lease l WHERE l.proxy_id = p_proxy AND l.expires_at < now_ts;
    SELECT count(*) INTO n FROM fleet_proxy_lease l WHERE l.proxy_id = p_proxy;
    IF p_enforce AND p_max_in_flight IS NOT NULL AND n >= p_max_in_flight THEN
        -- A slot frees when a verification ends: poll briefly.
        RETURN QUERY SELECT NULL::BIGINT, 50::BIGINT, n;
        RETURN;
    END IF;
    elapsed := greatest(0, extract(epoch FROM now_ts - refilled));
    FOR i IN 1..4 LOOP
        IF p_limits[i] IS NOT NULL THEN
            cap := p_limits[i];
            tok[i] := least(cap, coalesce(old_tokens[i], cap) + elapsed * cap / periods[i]);
            IF tok[i] < 1 THEN
                wait_s := greatest(wait_s, (1 - tok[i]) * periods[i] / cap);
            END IF;
        END IF;
    END LOOP;
    IF p_enforce AND wait_s > 0 THEN
        UPDATE fleet_proxy_budget SET tokens = tok, refilled_at = now_ts WHERE proxy_id = p_proxy;
        RETURN QUERY SELECT NULL::BIGINT, greatest(1, ceil(wait_s * 1000))::BIGINT, n;
        RETURN;
    END IF;
    FOR i IN 1..4 LOOP
        IF tok[i] IS NOT NULL THEN
            tok[i] := greatest(0, tok[i] - 1);
        END IF;
    END LOOP;
    UPDATE fleet_proxy_budget SET tokens = tok, refilled_at = now_ts WHERE proxy_id = p_proxy;
    INSERT INTO fleet_proxy_lease (proxy_id, holder, expires_at)
        VALUES (p_proxy, p_holder, now_ts + p_ttl_ms * INTERVAL '1 millisecond')
        RETURNING id INTO lid;
    RETURN QUERY SELECT lid, 0::BIGINT, n + 1;
END;
$$;

-- Records a health change and tells every listening process, in one round trip.
-- p_kind: 'ejected' | 'readmitted' | 'blacklisted'; p_scope: '' or the blacklist scope (provider key or MX host).
CREATE OR REPLACE FUNCTION fleet_publish(p_channel TEXT, p_kind TEXT, p_proxy TEXT, p_scope TEXT,
        p_until TIMESTAMPTZ, p_strikes INTEGER, p_by TEXT)
RETURNS VOID
LANGUAGE plpgsql AS $$
BEGIN
    IF p_kind = 'readmitted' THEN
        DELETE FROM fleet_proxy_health WHERE proxy_id = p_proxy AND scope = '';
    ELSE
        INSERT INTO fleet_proxy_health (proxy_id, scope, until, strikes, by_process, trial_owner, trial_until)
            VALUES (p_proxy, p_scope, p_until, p_strikes, p_by, NULL, NULL)
            ON CONFLICT (proxy_id, scope) DO UPDATE SET until = EXCLUDED.until, strikes = EXCLUDED.strikes,
                by_process = EXCLUDED.by_process, trial_owner = NULL, trial_until = NULL;
    END IF;
    PERFORM pg_notify(p_channel, concat_ws(E'\t', p_kind, p_proxy, p_scope,
        coalesce((extract(epoch FROM p_until) * 1000)::BIGINT::TEXT, ''), p_strikes::TEXT, p_by));
END;
$$;

-- The trial after an ejection, for exactly one process: true when p_holder holds the claim now
-- (or the proxy is not ejected fleet-wide), false while another process holds an unexpired claim
-- or the ejection is not over.
CREATE OR REPLACE FUNCTION fleet_claim_trial(p_proxy TEXT, p_holder TEXT, p_ttl_ms INTEGER)
RETURNS BOOLEAN
LANGUAGE plpgsql AS $$
DECLARE
    now_ts TIMESTAMPTZ := clock_timestamp();
BEGIN
    UPDATE fleet_proxy_health
        SET trial_owner = p_holder, trial_until = now_ts + p_ttl_ms * INTERVAL '1 millisecond'
        WHERE proxy_id = p_proxy AND scope = '' AND until <= now_ts
          AND (trial_owner IS NULL OR trial_owner = p_holder OR trial_until < now_ts);
    IF FOUND THEN
        RETURN TRUE;
    END IF;
    RETURN NOT EXISTS (SELECT 1 FROM fleet_proxy_health WHERE proxy_id = p_proxy AND scope = '');
END;
$$;
