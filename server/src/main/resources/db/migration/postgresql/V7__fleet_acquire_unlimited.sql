-- fleet_acquire without the proxy's row lock when there is nothing to enforce: a proxy with no
-- rate limit and no max_in_flight (or a call that does not enforce the cap) only needs its lease,
-- for the fleet's in-flight count. Every acquire of one proxy used to queue on that proxy's budget
-- row, which made the row lock, not the database's work, the cost of a verification.
-- Expired leases of such proxies are swept by the holders' background refresh.
-- Otherwise as in V5: under the proxy's row lock, drop expired leases, check max_in_flight, refill
-- and take one token from every limited period, and insert the lease.
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
    IF p_limits[1] IS NULL AND p_limits[2] IS NULL AND p_limits[3] IS NULL AND p_limits[4] IS NULL
            AND (p_max_in_flight IS NULL OR NOT p_enforce) THEN
        INSERT INTO fleet_proxy_lease (proxy_id, holder, expires_at)
            VALUES (p_proxy, p_holder, now_ts + p_ttl_ms * INTERVAL '1 millisecond')
            RETURNING id INTO lid;
        SELECT count(*) INTO n FROM fleet_proxy_lease l WHERE l.proxy_id = p_proxy AND l.expires_at >= now_ts;
        RETURN QUERY SELECT lid, 0::BIGINT, n;
        RETURN;
    END IF;
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

-- In-flight verifications on proxies with nothing to enforce (no rate limit, no max_in_flight)
-- take no lease at all: each process publishes its counts here every second, renewing expires_at,
-- so the counts of a process that dies (kill -9) drop out when they expire. The fleet's in-flight
-- count of a proxy is its live leases plus these.
CREATE TABLE IF NOT EXISTS fleet_process_in_flight (
    holder TEXT NOT NULL,
    proxy_id TEXT NOT NULL,
    n INTEGER NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (holder, proxy_id)
);
