-- fleet_acquire also says, when it grants a slot, how long until the proxy's bucket has a token
-- again (wait_ms of a granted row; 0 while budget is left). A process then lets its other callers
-- wait locally until that time instead of asking: under a binding limit (10/s) a grant emptied the
-- bucket, and every asking verification was refused (about 11 round trips per verification, nearly
-- all refusals). The answer is the same the next call would get, so no limit is loosened.
-- Callers that read only lease_id on a grant (V5/V7 processes) are unaffected.
-- Otherwise as in V7.
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
    next_s DOUBLE PRECISION := 0;
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
            IF tok[i] < 1 THEN
                next_s := greatest(next_s, (1 - tok[i]) * periods[i] / p_limits[i]);
            END IF;
        END IF;
    END LOOP;
    UPDATE fleet_proxy_budget SET tokens = tok, refilled_at = now_ts WHERE proxy_id = p_proxy;
    INSERT INTO fleet_proxy_lease (proxy_id, holder, expires_at)
        VALUES (p_proxy, p_holder, now_ts + p_ttl_ms * INTERVAL '1 millisecond')
        RETURNING id INTO lid;
    -- Floor: the caller counts the wait from when the answer arrives, which is later than now_ts.
    RETURN QUERY SELECT lid, floor(next_s * 1000)::BIGINT, n + 1;
END;
$$;
