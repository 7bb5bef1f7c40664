-- Service problems: refusals of tokenwatch's own app or configuration at a
-- network (a wrong client secret, a retired API version, an exhausted
-- quota), kept apart from page problems. At most one is open per network
-- and scope (the kind of call that met it: 'token' for the token endpoint,
-- 'api' for API calls, 'version' for the API version table).
CREATE TABLE service_problems (
    id           INTEGER PRIMARY KEY,
    provider     TEXT    NOT NULL,
    scope        TEXT    NOT NULL CHECK (scope IN ('token', 'api', 'version')),
    severity     TEXT    NOT NULL CHECK (severity IN ('warning', 'error')),
    code         TEXT    NOT NULL,
    message      TEXT    NOT NULL,
    action       TEXT    NOT NULL,
    occurrences  INTEGER NOT NULL DEFAULT 1,
    opened_at    INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    closed_at    INTEGER,
    -- The operator's e-mail: sent once; a process claims the sending until
    -- notify_claimed_until, so that replicas do not send it twice.
    notified_at          INTEGER,
    notify_claimed_until INTEGER
);
CREATE UNIQUE INDEX service_problems_open ON service_problems (provider, scope) WHERE closed_at IS NULL;
CREATE INDEX service_problems_recent ON service_problems (opened_at);
