-- The alert engine: alerts recorded once per page, generation, step (and
-- recipient), the outbox of deliveries, webhook endpoints and the demo mail
-- outbox. Times are Unix milliseconds (UTC); NULL is "none".

-- A delivery that failed for good (a malformed address), as shown on the page.
ALTER TABLE pages ADD COLUMN delivery_error TEXT NOT NULL DEFAULT '';
ALTER TABLE pages ADD COLUMN delivery_error_at INTEGER;

-- The ladder: a step reached by a page's token generation. The lifecycle
-- policy reads it to decide what is due; it exists once whoever received it.
CREATE TABLE page_alerts (
    page_id    INTEGER NOT NULL REFERENCES pages (id) ON DELETE CASCADE,
    generation INTEGER NOT NULL,
    step       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (page_id, generation, step)
);

-- One alert per page, generation, step and recipient, whatever the channel.
CREATE TABLE alerts (
    id         INTEGER PRIMARY KEY,
    page_id    INTEGER NOT NULL REFERENCES pages (id) ON DELETE CASCADE,
    generation INTEGER NOT NULL,
    step       TEXT    NOT NULL,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    UNIQUE (page_id, generation, step, user_id)
);
CREATE INDEX alerts_user ON alerts (user_id);

CREATE TABLE webhook_endpoints (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    url        TEXT    NOT NULL,
    -- The signing secret, sealed like the tokens under the key key_id.
    key_id     TEXT    NOT NULL,
    secret     BLOB    NOT NULL,
    active     INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL
);
CREATE INDEX webhook_endpoints_account ON webhook_endpoints (account_id);

-- The outbox: every message to send, written in the transaction that
-- records its alerts, and handed to the job queue after the commit.
CREATE TABLE deliveries (
    id          INTEGER PRIMARY KEY,
    channel     TEXT    NOT NULL CHECK (channel IN ('email', 'webhook')),
    -- The Message-ID of an e-mail, the event id and endpoint of a webhook:
    -- the same alerts always give the same key.
    key         TEXT    NOT NULL UNIQUE,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    user_id     INTEGER REFERENCES users (id) ON DELETE CASCADE,
    endpoint_id INTEGER REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    -- The pages the message is about, space-separated ids.
    page_ids    TEXT    NOT NULL DEFAULT '',
    payload     TEXT    NOT NULL,
    status      TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    -- When it was last handed to the job queue.
    enqueued_at INTEGER NOT NULL,
    done_at     INTEGER
);
CREATE INDEX deliveries_pending ON deliveries (enqueued_at) WHERE status = 'pending';

-- The demo's mail outbox: the e-mails the demo would have sent.
CREATE TABLE mail_outbox (
    id         INTEGER PRIMARY KEY,
    message_id TEXT    NOT NULL UNIQUE,
    to_addr    TEXT    NOT NULL,
    subject    TEXT    NOT NULL,
    text_body  TEXT    NOT NULL,
    html_body  TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
