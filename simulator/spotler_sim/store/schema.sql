-- The whole state of the simulator. Every worker process opens this one file (WAL mode).
-- Every lookup the API makes has an index, so a page costs the same at any table size.

CREATE TABLE IF NOT EXISTS clock (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    mode       TEXT    NOT NULL,              -- real | offset | frozen
    offset_ms  INTEGER NOT NULL DEFAULT 0,
    frozen_ms  INTEGER
);

CREATE TABLE IF NOT EXISTS accounts (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    id_fields   TEXT NOT NULL,                -- JSON array of field names
    dedup_rules TEXT NOT NULL,                -- JSON array of arrays of field names
    lag         TEXT NOT NULL,                -- JSON visibility-lag policy
    list_shape  TEXT NOT NULL DEFAULT 'paged', -- paged | array (updates/bounces lists)
    licence     TEXT NOT NULL DEFAULT 'eCommerce', -- Email | Automation | eCommerce
    retired     INTEGER NOT NULL DEFAULT 0,   -- reset or deleted: its rows await the sweep
    position    INTEGER,                      -- place in the list (NULL: by id)
    rate_limit  TEXT                          -- JSON rate limit (domain/ratelimit), NULL: none
);

CREATE TABLE IF NOT EXISTS authentications (
    key        TEXT PRIMARY KEY,
    secret     TEXT NOT NULL,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    label      TEXT NOT NULL,
    id_field   TEXT NOT NULL,
    UNIQUE (account_id, label)
);

-- A new random label at every change of an account, its keys or its property definitions (the
-- triggers at the end): a worker keeps the callers it has read while the label stands
-- (store/accounts.py). Random, not a counter: a file put back from a copy takes its counter
-- back, and the next change would reach a number a worker kept another state under.
CREATE TABLE IF NOT EXISTS generation (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n  INTEGER NOT NULL
);
INSERT OR IGNORE INTO generation (id, n) VALUES (1, 0);

CREATE TABLE IF NOT EXISTS property_defs (
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    description TEXT NOT NULL,
    type        TEXT NOT NULL,
    entries     TEXT,                         -- JSON array for set properties
    position    INTEGER NOT NULL,
    PRIMARY KEY (account_id, name)
);

CREATE TABLE IF NOT EXISTS contacts (
    id           INTEGER PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    encrypted_id TEXT    NOT NULL,
    email        TEXT,                        -- lower-cased, for the e-mail dedup rule
    properties   TEXT    NOT NULL,            -- JSON object, canonical values
    channels     TEXT,                        -- JSON array, NULL = derived from e-mail
    test_group   INTEGER NOT NULL DEFAULT 0,
    anonymized   INTEGER NOT NULL DEFAULT 0,
    created_ms   INTEGER NOT NULL,
    changed_ms   INTEGER NOT NULL,            -- latest change, as a direct read sees it
    listed_ms    INTEGER,                     -- latest change the updates list can see yet
    encrypted_given INTEGER NOT NULL DEFAULT 1 -- 0: encrypted_id is the one made of id
);
-- An encryptedId the simulator made is found by deciphering it to the row id
-- (store/encrypted_ids.py); only the others (given by a fixture, a seed or a snapshot, or kept
-- from an earlier version: a row written without saying is one of them) are indexed, by
-- contacts_given_encrypted, which Database creates once the column is there (ENCRYPTED_INDEX).
-- Earlier versions indexed every contact's, a random key per new contact.
DROP INDEX IF EXISTS contacts_encrypted;
CREATE INDEX IF NOT EXISTS contacts_email  ON contacts (account_id, email);
CREATE INDEX IF NOT EXISTS contacts_listed ON contacts (account_id, listed_ms, id);
CREATE INDEX IF NOT EXISTS contacts_changed ON contacts (account_id, changed_ms, id);

-- The value of each external-ID field of a contact: unique per account and field.
CREATE TABLE IF NOT EXISTS contact_ids (
    account_id INTEGER NOT NULL,
    field      TEXT    NOT NULL,
    value      TEXT    NOT NULL,
    contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    PRIMARY KEY (account_id, field, value)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS contact_ids_contact ON contact_ids (contact_id, field);

-- Changes made but not yet visible in the updates list (visibility lag).
CREATE TABLE IF NOT EXISTS pending_changes (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL,
    contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    changed_ms INTEGER NOT NULL,
    visible_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS pending_visible ON pending_changes (account_id, visible_ms);
CREATE INDEX IF NOT EXISTS pending_contact ON pending_changes (contact_id);

CREATE TABLE IF NOT EXISTS bounces (
    id           INTEGER PRIMARY KEY,
    account_id   INTEGER NOT NULL,
    contact_id   INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    type         TEXT    NOT NULL,            -- HARDBOUNCE | SOFTBOUNCE
    mailing      TEXT,                        -- encrypted mailing id
    date_ms      INTEGER NOT NULL,
    visible_ms   INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS bounces_window ON bounces (account_id, date_ms, id);
CREATE INDEX IF NOT EXISTS bounces_contact ON bounces (contact_id);

-- OAuth nonces already used, kept for the signature time window. Keyed by time first: the key
-- both refuses a nonce used again and serves dropping the old ones, and a call adds to one
-- b-tree, not two. (Earlier versions keyed by Key first and indexed the time apart: a file
-- kept from one is rebuilt when it opens, see Database.)
CREATE TABLE IF NOT EXISTS nonces (
    timestamp INTEGER NOT NULL,
    key       TEXT    NOT NULL,
    nonce     TEXT    NOT NULL,
    PRIMARY KEY (timestamp, key, nonce)
) WITHOUT ROWID;

-- Fault rules (the admin document as JSON) and how often each matched and fired.
CREATE TABLE IF NOT EXISTS faults (
    id        INTEGER PRIMARY KEY,
    rule      TEXT    NOT NULL,
    matches   INTEGER NOT NULL DEFAULT 0,
    fired     INTEGER NOT NULL DEFAULT 0
);

-- Rate limits (accounts.rate_limit): the calls that passed within the window, per account and
-- budget (the account, or one authentication), and the calls in flight (the concurrency cap).
CREATE TABLE IF NOT EXISTS rate_calls (
    account_id INTEGER NOT NULL,
    bucket     TEXT    NOT NULL,              -- account | authentication:<label>
    at_ms      INTEGER NOT NULL,              -- wall clock
    cost       INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS rate_calls_window ON rate_calls (account_id, bucket, at_ms);
CREATE TABLE IF NOT EXISTS rate_inflight (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL,
    bucket     TEXT    NOT NULL,
    started_ms INTEGER NOT NULL               -- wall clock; a row a killed worker left expires
);
CREATE INDEX IF NOT EXISTS rate_inflight_bucket ON rate_inflight (account_id, bucket, started_ms);

-- The request journal: every call to the Spotler API, newest last.
CREATE TABLE IF NOT EXISTS journal (
    id              INTEGER PRIMARY KEY,
    wall_ms         INTEGER NOT NULL,
    sim_ms          INTEGER NOT NULL,
    method          TEXT    NOT NULL,
    path            TEXT    NOT NULL,
    query           TEXT    NOT NULL,
    operation       TEXT,
    status          INTEGER,              -- NULL when the connection was dropped
    error_type      TEXT,
    account         TEXT,
    key             TEXT,
    label           TEXT,
    fault_id        INTEGER,
    fault_effect    TEXT,
    duration_ms     REAL    NOT NULL,
    request_headers TEXT    NOT NULL,
    request_body    TEXT    NOT NULL,
    response_body   TEXT    NOT NULL,
    base_string     TEXT,
    size            INTEGER NOT NULL DEFAULT 0, -- bytes of its texts, for the cap on bytes
    upto            INTEGER NOT NULL DEFAULT 0, -- running total of size, this call included
    response_headers TEXT,                -- JSON object: Retry-After and the like
    rate_limit      TEXT                  -- JSON: the rate limiter's decision on the call
);
-- Only the calls made by a known caller: a call refused before one was found (no Key, an
-- unknown Key, no such operation) adds nothing to it. (Earlier versions indexed every call.)
DROP INDEX IF EXISTS journal_account;
CREATE INDEX IF NOT EXISTS journal_of_account ON journal (account, id) WHERE account IS NOT NULL;
-- Only the refused calls (a 4xx or 5xx status): a call answered 2xx or 3xx, nearly every call,
-- adds nothing to it (one page less to write per call). A filter on a refused status reads it
-- (store/journal.py repeats its condition, as SQLite needs to use it); a filter on any other
-- status reads the newest calls first, which are nearly all such calls. (Earlier versions
-- indexed every call's status.)
DROP INDEX IF EXISTS journal_status;
CREATE INDEX IF NOT EXISTS journal_refused ON journal (status, id) WHERE status >= 400;
-- Only the calls a fault rule fired on: the usual call adds nothing to it. (Earlier versions
-- indexed every call.)
DROP INDEX IF EXISTS journal_fault;
CREATE INDEX IF NOT EXISTS journal_faulted ON journal (fault_id, id) WHERE fault_id IS NOT NULL;
-- The bytes the journal holds come from its rows' running total (journal.upto), so neither
-- the cap nor a call costs a sum or a write elsewhere. Earlier versions kept them in a table of
-- their own, through triggers that would now write to a table that is gone.
DROP TRIGGER IF EXISTS journal_added;
DROP TRIGGER IF EXISTS journal_removed;
DROP TABLE IF EXISTS journal_size;

-- The custom product properties an account defines (GET /product/custom-properties/list).
CREATE TABLE IF NOT EXISTS product_property_defs (
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name       TEXT    NOT NULL,
    position   INTEGER NOT NULL,
    PRIMARY KEY (account_id, name)
);
CREATE INDEX IF NOT EXISTS product_property_defs_position ON product_property_defs (account_id, position);

-- Products, one row each with the canonical fields as JSON; unique externalId per account.
CREATE TABLE IF NOT EXISTS products (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    external_id TEXT    NOT NULL,
    fields      TEXT    NOT NULL,             -- JSON object: cents as integers, flags as booleans
    created_ms  INTEGER NOT NULL,
    changed_ms  INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS products_external ON products (account_id, external_id);
CREATE INDEX IF NOT EXISTS products_account ON products (account_id, id);

-- The searchable values of each product (GET /product/search): one index lookup per query.
CREATE TABLE IF NOT EXISTS product_terms (
    account_id INTEGER NOT NULL,
    field      TEXT    NOT NULL,
    value      TEXT    NOT NULL,
    product_id INTEGER NOT NULL REFERENCES products(id) ON DELETE CASCADE,
    PRIMARY KEY (account_id, field, value, product_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS product_terms_product ON product_terms (product_id);

-- Orders of contacts; the products are kept as sent (their externalIds, a JSON array).
CREATE TABLE IF NOT EXISTS orders (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    external_id TEXT    NOT NULL,
    contact_id  INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    date_ms     INTEGER NOT NULL,
    value       INTEGER NOT NULL,             -- cents
    product_ids TEXT    NOT NULL,
    created_ms  INTEGER NOT NULL,
    changed_ms  INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS orders_external ON orders (account_id, external_id);
CREATE INDEX IF NOT EXISTS orders_date ON orders (account_id, date_ms, id);
CREATE INDEX IF NOT EXISTS orders_contact ON orders (contact_id, date_ms, id);

-- Shopping-cart conversions; contact and mailing when the mailplusId is one the simulator issued.
CREATE TABLE IF NOT EXISTS conversions (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    mailplus_id TEXT    NOT NULL,
    type        TEXT    NOT NULL,             -- CREATE_SHOPPINGCART | CONVERT_SHOPPINGCART
    date_ms     INTEGER NOT NULL,
    value       INTEGER,                      -- cents
    product_ids TEXT    NOT NULL,
    contact_id  INTEGER REFERENCES contacts(id) ON DELETE CASCADE,
    mailing     TEXT,                         -- encrypted mailing id
    created_ms  INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS conversions_date ON conversions (account_id, date_ms, id);
CREATE INDEX IF NOT EXISTS conversions_contact ON conversions (contact_id, date_ms, id);
CREATE INDEX IF NOT EXISTS conversions_mailing ON conversions (account_id, mailing, date_ms, id);

-- Campaigns with their external triggers and mailings, as a fixture seeds them.
CREATE TABLE IF NOT EXISTS campaigns (
    id            INTEGER PRIMARY KEY,
    account_id    INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    encrypted_id  TEXT    NOT NULL,
    name          TEXT    NOT NULL,
    active        INTEGER NOT NULL,
    allow_reentry INTEGER NOT NULL,
    position      INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS campaigns_encrypted ON campaigns (account_id, encrypted_id);
CREATE UNIQUE INDEX IF NOT EXISTS campaigns_position ON campaigns (account_id, position);

CREATE TABLE IF NOT EXISTS campaign_triggers (
    id           INTEGER PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    campaign_id  INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    encrypted_id TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    position     INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS campaign_triggers_encrypted ON campaign_triggers (account_id, encrypted_id);
CREATE UNIQUE INDEX IF NOT EXISTS campaign_triggers_campaign ON campaign_triggers (campaign_id, position);

CREATE TABLE IF NOT EXISTS campaign_mailings (
    id           INTEGER PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    campaign_id  INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    encrypted_id TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    type         TEXT    NOT NULL,             -- EMAIL | SMS
    delay_ms     INTEGER NOT NULL,             -- sent this long after a contact enters
    position     INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS campaign_mailings_encrypted ON campaign_mailings (account_id, encrypted_id);
CREATE UNIQUE INDEX IF NOT EXISTS campaign_mailings_campaign ON campaign_mailings (campaign_id, position);

-- A contact's passage through a campaign; number is the campaignSubscriptionId (per account).
CREATE TABLE IF NOT EXISTS campaign_subscriptions (
    id            INTEGER PRIMARY KEY,
    account_id    INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    number        INTEGER NOT NULL,
    campaign_id   INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    contact_id    INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    trigger       TEXT,                        -- encrypted id of the trigger that started it
    fields        TEXT    NOT NULL,             -- JSON array of the campaignFields sent
    subscribed_ms INTEGER NOT NULL,
    stopped_ms    INTEGER
);
CREATE UNIQUE INDEX IF NOT EXISTS campaign_subscriptions_number ON campaign_subscriptions (account_id, number);
CREATE UNIQUE INDEX IF NOT EXISTS campaign_subscriptions_contact ON campaign_subscriptions (contact_id, number);
CREATE INDEX IF NOT EXISTS campaign_subscriptions_campaign ON campaign_subscriptions (campaign_id, contact_id, number);

-- Automations started by an external trigger code (a UUID several automations may share).
CREATE TABLE IF NOT EXISTS automations (
    id                  INTEGER PRIMARY KEY,
    account_id          INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    automation_id       TEXT    NOT NULL,      -- UUID
    trigger_code        TEXT    NOT NULL,      -- UUID, lower case
    name                TEXT    NOT NULL,
    active              INTEGER NOT NULL,
    participation_limit INTEGER,               -- entries per contact; unlimited when NULL
    position            INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS automations_id ON automations (account_id, automation_id);
CREATE INDEX IF NOT EXISTS automations_trigger ON automations (account_id, trigger_code, position);

CREATE TABLE IF NOT EXISTS automation_entries (
    id            INTEGER PRIMARY KEY,
    account_id    INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    automation_id INTEGER NOT NULL REFERENCES automations(id) ON DELETE CASCADE,
    contact_id    INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    entered_ms    INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS automation_entries_contact ON automation_entries (contact_id, automation_id);
CREATE INDEX IF NOT EXISTS automation_entries_automation ON automation_entries (automation_id);
CREATE INDEX IF NOT EXISTS automation_entries_account ON automation_entries (account_id, id);

-- Forms with their fields, as a fixture seeds them; form_id is the formId of the API.
CREATE TABLE IF NOT EXISTS forms (
    id           INTEGER PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    form_id      INTEGER NOT NULL,
    name         TEXT    NOT NULL,
    sub_type     TEXT    NOT NULL,             -- normal | subscribe | unSubscribe | editProfile
    state        TEXT    NOT NULL,             -- draft | proof | final
    confirmation TEXT    NOT NULL,             -- HTML answered after a submit
    redirect_url TEXT,
    position     INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS forms_form_id ON forms (account_id, form_id);
CREATE UNIQUE INDEX IF NOT EXISTS forms_position ON forms (account_id, position);

CREATE TABLE IF NOT EXISTS form_fields (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    form_row   INTEGER NOT NULL REFERENCES forms(id) ON DELETE CASCADE,
    field_id   INTEGER NOT NULL,
    name       TEXT    NOT NULL,               -- the key of formParams
    label      TEXT    NOT NULL,
    type       TEXT    NOT NULL,
    required   INTEGER NOT NULL,
    property   TEXT,                           -- the contact property it fills
    options    TEXT    NOT NULL,               -- JSON array
    position   INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS form_fields_form ON form_fields (form_row, position);
CREATE INDEX IF NOT EXISTS form_fields_account ON form_fields (account_id);

-- Submitted results; number is the formResultId (per account).
CREATE TABLE IF NOT EXISTS form_results (
    id           INTEGER PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    number       INTEGER NOT NULL,
    form_row     INTEGER NOT NULL REFERENCES forms(id) ON DELETE CASCADE,
    contact_id   INTEGER REFERENCES contacts(id) ON DELETE SET NULL,
    submitted_ms INTEGER NOT NULL,
    completed    INTEGER NOT NULL,
    test         INTEGER NOT NULL,
    answers      TEXT    NOT NULL              -- JSON object: field name -> list of values
);
CREATE UNIQUE INDEX IF NOT EXISTS form_results_number ON form_results (account_id, number);
CREATE INDEX IF NOT EXISTS form_results_form ON form_results (form_row, submitted_ms, number);
CREATE INDEX IF NOT EXISTS form_results_contact ON form_results (contact_id, submitted_ms, number);

-- Trend reports (GET /trend-report); report_id is the API's id, unique per account.
CREATE TABLE IF NOT EXISTS trend_reports (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    report_id  INTEGER NOT NULL,
    name       TEXT    NOT NULL,
    enabled    INTEGER NOT NULL,
    created_ms INTEGER,
    fields     TEXT    NOT NULL,              -- JSON: the report's other fields, as seeded
    position   INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS trend_reports_id ON trend_reports (account_id, report_id);
CREATE UNIQUE INDEX IF NOT EXISTS trend_reports_position ON trend_reports (account_id, position);

-- Regular mailings (GET /mailing) and the content of campaign mailings (campaign = 1);
-- encrypted ids are unique per account across both.
CREATE TABLE IF NOT EXISTS mailings (
    id           INTEGER PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    encrypted_id TEXT    NOT NULL,
    campaign     INTEGER NOT NULL,
    name         TEXT    NOT NULL,
    type         TEXT    NOT NULL,            -- EMAIL | SMS
    scheduled_ms INTEGER NOT NULL,            -- scheduledStartDate; 0 for campaign mailings
    trend_report INTEGER,                     -- report_id of trend_reports
    content      TEXT    NOT NULL,            -- JSON: subject, sender, author, links, ...
    rates        TEXT    NOT NULL             -- JSON: outcome rates of a send
);
CREATE UNIQUE INDEX IF NOT EXISTS mailings_encrypted ON mailings (account_id, encrypted_id);
CREATE INDEX IF NOT EXISTS mailings_scheduled ON mailings (account_id, campaign, scheduled_ms, id);
CREATE INDEX IF NOT EXISTS mailings_trend_report ON mailings (account_id, trend_report);

-- What happened with mailings: sent, bounce, open, click. subscription is the
-- campaignSubscriptionId of a campaign mailing's send, 0 for a regular mailing.
CREATE TABLE IF NOT EXISTS interactions (
    id           INTEGER PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    mailing      TEXT    NOT NULL,            -- encrypted mailing id
    subscription INTEGER NOT NULL,
    contact_id   INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    kind         TEXT    NOT NULL,            -- sent | bounce | open | click
    at_ms        INTEGER NOT NULL,
    link_id      INTEGER,                     -- click: the link's id
    bounce       TEXT,                        -- bounce: HARDBOUNCE | SOFTBOUNCE
    counted      TEXT    NOT NULL DEFAULT ''  -- what it counts as in statistics (domain/reports)
);
-- per mailing and kind by time (reports), per send (one contact's part), per contact (histories),
-- per account and kind by time (the mailing-interaction lists)
CREATE INDEX IF NOT EXISTS interactions_mailing ON interactions (account_id, mailing, kind, at_ms, id);
CREATE INDEX IF NOT EXISTS interactions_send ON interactions (account_id, mailing, subscription, contact_id, kind, at_ms);
CREATE INDEX IF NOT EXISTS interactions_contact ON interactions (contact_id, kind, subscription, at_ms, id);
CREATE INDEX IF NOT EXISTS interactions_account ON interactions (account_id, subscription, kind, at_ms, id);

-- A mailing's statistics as running sums per hour of what interactions counted as: a report
-- adds the finished hours and the current hour's few interactions, whatever the mailing's size.
CREATE TABLE IF NOT EXISTS interaction_tallies (
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    mailing    TEXT    NOT NULL,
    what       TEXT    NOT NULL,              -- sent | HARDBOUNCE | ... | link:webshop
    hour       INTEGER NOT NULL,              -- at_ms // 3,600,000
    count      INTEGER NOT NULL,
    PRIMARY KEY (account_id, mailing, what, hour)
) WITHOUT ROWID;

-- Audiences (contact groups for advertising platforms); externalId and name unique per account.
CREATE TABLE IF NOT EXISTS audiences (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    external_id TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    description TEXT,
    created_ms  INTEGER NOT NULL,
    changed_ms  INTEGER NOT NULL,             -- the latest change of name or description
    added_ms    INTEGER,                      -- the latest call that added a member
    removed_ms  INTEGER,                      -- the latest call that removed one
    synced_ms   INTEGER,                      -- seeded only: the simulator syncs with no platform
    in_use_by   TEXT                          -- seeded only: what uses it; it cannot be deleted
);
CREATE UNIQUE INDEX IF NOT EXISTS audiences_external ON audiences (account_id, external_id);
CREATE UNIQUE INDEX IF NOT EXISTS audiences_name ON audiences (account_id, name);
CREATE INDEX IF NOT EXISTS audiences_account ON audiences (account_id, id);

CREATE TABLE IF NOT EXISTS audience_members (
    audience_id INTEGER NOT NULL REFERENCES audiences(id) ON DELETE CASCADE,
    contact_id  INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    account_id  INTEGER NOT NULL,
    PRIMARY KEY (audience_id, contact_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS audience_members_contact ON audience_members (contact_id);
CREATE INDEX IF NOT EXISTS audience_members_account ON audience_members (account_id);

-- Temporary lists: made by the API (type API, with an externalTemporaryListId) or seeded as
-- lists Spotler makes itself (IMPORT, RESPONSE, SPLIT; the external id may be NULL).
CREATE TABLE IF NOT EXISTS temporary_lists (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    external_id TEXT,
    name        TEXT    NOT NULL,
    type        TEXT    NOT NULL,             -- IMPORT | RESPONSE | API | SPLIT
    created_ms  INTEGER NOT NULL,
    in_use_by   TEXT                          -- seeded only: what uses it; it cannot be deleted
);
CREATE UNIQUE INDEX IF NOT EXISTS temporary_lists_external ON temporary_lists (account_id, external_id);
CREATE UNIQUE INDEX IF NOT EXISTS temporary_lists_name ON temporary_lists (account_id, name);
CREATE INDEX IF NOT EXISTS temporary_lists_account ON temporary_lists (account_id, id);

CREATE TABLE IF NOT EXISTS temporary_list_members (
    list_id    INTEGER NOT NULL REFERENCES temporary_lists(id) ON DELETE CASCADE,
    contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    account_id INTEGER NOT NULL,
    PRIMARY KEY (list_id, contact_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS temporary_list_members_contact ON temporary_list_members (contact_id);
CREATE INDEX IF NOT EXISTS temporary_list_members_account ON temporary_list_members (account_id);

-- Every change of what a caller is made of gives the generation a new label (see above), and so
-- does a fault rule added or removed (a worker keeps the rules, store/faults.py, and whether a
-- call may wait, store/waits.py) and a change of the clock (kept too, store/clock.py).
CREATE TRIGGER IF NOT EXISTS clock_insert_generation AFTER INSERT ON clock BEGIN
    UPDATE generation SET n = random() WHERE id = 1;
END;
CREATE TRIGGER IF NOT EXISTS clock_update_generation AFTER UPDATE ON clock BEGIN
    UPDATE generation SET n = random() WHERE id = 1;
END;
CREATE TRIGGER IF NOT EXISTS clock_delete_generation AFTER DELETE ON clock BEGIN
    UPDATE generation SET n = random() WHERE id = 1;
END;
CREATE TRIGGER IF NOT EXISTS faults_insert_generation AFTER INSERT ON faults BEGIN
    UPDATE generation SET n = random() WHERE id = 1;
END;
CREATE TRIGGER IF NOT EXISTS faults_delete_generation AFTER DELETE ON faults BEGIN
    UPDATE generation SET n = random() WHERE id = 1;
END;
CREATE TRIGGER IF NOT EXISTS accounts_insert_generation AFTER INSERT ON accounts BEGIN
    UPDATE generation SET n = random() WHERE id = 1;
END;
CREATE TRIGGER IF NOT EXISTS accounts_update_generation AFTER UPDATE ON accounts BEGIN
    UPDATE generation SET n = random() WHERE id = 1;
END;
CREATE TRIGGER IF NOT EXISTS accounts_delete_generation AFTER DELETE ON accounts BEGIN
    UPDATE generation SET n = random() WHERE id = 1;
END;
CREATE TRIGGER IF NOT EXISTS authentications_insert_generation AFTER INSERT ON authentications BEGIN
    UPDATE generation SET n = random() WHERE id = 1;
END;
CREATE TRIGGER IF NOT EXISTS authentications_update_generation AFTER UPDATE ON authentications BEGIN
    UPDATE generation SET n = random() WHERE id = 1;
END;
CREATE TRIGGER IF NOT EXISTS authentications_delete_generation AFTER DELETE ON authentications BEGIN
    UPDATE generation SET n = random() WHERE id = 1;
END;
CREATE TRIGGER IF NOT EXISTS property_defs_insert_generation AFTER INSERT ON property_defs BEGIN
    UPDATE generation SET n = random() WHERE id = 1;
END;
CREATE TRIGGER IF NOT EXISTS property_defs_update_generation AFTER UPDATE ON property_defs BEGIN
    UPDATE generation SET n = random() WHERE id = 1;
END;
CREATE TRIGGER IF NOT EXISTS property_defs_delete_generation AFTER DELETE ON property_defs BEGIN
    UPDATE generation SET n = random() WHERE id = 1;
END;
CREATE TRIGGER IF NOT EXISTS product_property_defs_insert_generation AFTER INSERT ON product_property_defs BEGIN
    UPDATE generation SET n = random() WHERE id = 1;
END;
CREATE TRIGGER IF NOT EXISTS product_property_defs_update_generation AFTER UPDATE ON product_property_defs BEGIN
    UPDATE generation SET n = random() WHERE id = 1;
END;
CREATE TRIGGER IF NOT EXISTS product_property_defs_delete_generation AFTER DELETE ON product_property_defs BEGIN
    UPDATE generation SET n = random() WHERE id = 1;
END;

-- The document each account was created from (a fixture, a definition, a snapshot), with the
-- Keys and Secrets it was given: POST /__admin/reset makes the account again from it.
CREATE TABLE IF NOT EXISTS account_sources (
    name     TEXT PRIMARY KEY,
    document TEXT NOT NULL                    -- JSON: a fixture document's account entry
);
