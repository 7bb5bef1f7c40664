-- Pages by state, kept as pages change (issue 14, item 4): /metrics read
-- them by counting the pages that are not healthy through their index at
-- every scrape, 0.1 s at 80,000 such pages. Statement triggers with
-- transition tables add each statement's changes, one write per state per
-- statement, however many rows it changes.
--
-- The counts are split over shards, so that two transactions changing
-- states at once (two sweep workers) do not wait for each other on one
-- counter row: a transaction writes only to shards whose row in
-- page_count_shards it holds locked, and takes the first one that no other
-- transaction holds (SKIP LOCKED), so that it never waits while fewer
-- transactions than shards count at once. A state's count is the sum over
-- the shards; a shard's count may be negative.
CREATE TABLE page_count_shards (shard int PRIMARY KEY);
INSERT INTO page_count_shards (shard) SELECT generate_series(0, 15);
CREATE TABLE page_state_counts (
    shard int    NOT NULL,
    state text   NOT NULL,
    n     bigint NOT NULL,
    PRIMARY KEY (shard, state)
);

-- count_page_states adds deltas[i] pages to the count of states[i]. (Only
-- when all sixteen shards are held does it wait, for the shard that its
-- session's process id names.) The functions keep the search_path of the
-- migration, so that a change from a session with another one (psql, an
-- operator) still finds the tables.
CREATE FUNCTION count_page_states(states text[], deltas bigint[]) RETURNS void LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    s int;
BEGIN
    IF states IS NULL THEN
        RETURN;
    END IF;
    SELECT shard INTO s FROM page_count_shards ORDER BY shard LIMIT 1 FOR UPDATE SKIP LOCKED;
    IF s IS NULL THEN
        SELECT shard INTO s FROM page_count_shards WHERE shard = pg_backend_pid() % 16 FOR UPDATE;
    END IF;
    INSERT INTO page_state_counts AS c (shard, state, n) SELECT s, v.state, v.n FROM unnest(states, deltas) AS v (state, n)
        ON CONFLICT (shard, state) DO UPDATE SET n = c.n + excluded.n;
END
$$;

CREATE FUNCTION count_inserted_page_states() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    states text[];
    deltas bigint[];
BEGIN
    SELECT array_agg(state), array_agg(n) INTO states, deltas FROM (SELECT state, count(*) AS n FROM inserted GROUP BY state) c;
    PERFORM count_page_states(states, deltas);
    RETURN NULL;
END
$$;

CREATE FUNCTION count_deleted_page_states() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    states text[];
    deltas bigint[];
BEGIN
    SELECT array_agg(state), array_agg(-n) INTO states, deltas FROM (SELECT state, count(*) AS n FROM deleted GROUP BY state) c;
    PERFORM count_page_states(states, deltas);
    RETURN NULL;
END
$$;

-- An update trigger with transition tables cannot be limited to a column
-- (UPDATE OF state): it sees every update of pages, and writes a count
-- only when the statement changed some page's state.
CREATE FUNCTION count_updated_page_states() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    states text[];
    deltas bigint[];
BEGIN
    SELECT array_agg(state), array_agg(n) INTO states, deltas FROM (
        SELECT state, sum(d) AS n FROM (SELECT state, 1 AS d FROM new_rows UNION ALL SELECT state, -1 FROM old_rows) x
        GROUP BY state HAVING sum(d) <> 0) c;
    PERFORM count_page_states(states, deltas);
    RETURN NULL;
END
$$;

CREATE TRIGGER page_states_inserted AFTER INSERT ON pages REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION count_inserted_page_states();
CREATE TRIGGER page_states_deleted AFTER DELETE ON pages REFERENCING OLD TABLE AS deleted
    FOR EACH STATEMENT EXECUTE FUNCTION count_deleted_page_states();
CREATE TRIGGER page_states_updated AFTER UPDATE ON pages REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION count_updated_page_states();

-- The triggers' lock on pages (SHARE ROW EXCLUSIVE) waits for the
-- transactions writing pages and holds off new ones until the migration
-- commits: the count below, which sees every write committed before it, is
-- exact. The kept total is the sum of the counts now.
INSERT INTO page_state_counts (shard, state, n) SELECT 0, state, count(*) FROM pages GROUP BY state;
-- page_total and its triggers stay, unread by this version: during a
-- rolling upgrade, replicas of the version before still read it at every
-- scrape. A later migration drops them.
