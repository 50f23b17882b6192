-- The email deployment's schema, PostgreSQL flavour. Idempotent: every statement may run again.
-- Times are Unix seconds (BIGINT) in both flavours, so the same queries serve both engines.

CREATE TABLE IF NOT EXISTS customers (
  id          BIGSERIAL PRIMARY KEY,
  name        TEXT    NOT NULL UNIQUE,
  tier        TEXT    NOT NULL DEFAULT 'free',
  created_at  BIGINT  NOT NULL
);

CREATE TABLE IF NOT EXISTS email_addresses (
  id           BIGSERIAL PRIMARY KEY,
  address      TEXT    NOT NULL UNIQUE CHECK (address = lower(trim(address)) AND address <> ''),
  customer_id  BIGINT  NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
  active       BOOLEAN NOT NULL DEFAULT TRUE,
  created_at   BIGINT  NOT NULL,
  updated_at   BIGINT  NOT NULL
);
CREATE INDEX IF NOT EXISTS email_addresses_customer_id ON email_addresses(customer_id);

CREATE TABLE IF NOT EXISTS messages (
  id                 BIGSERIAL PRIMARY KEY,
  message_id_header  TEXT    NOT NULL,  -- as the sender wrote it: not unique, not a key
  -- One delivery of one mail (ingest: SHA-256 of the raw message): with the recipient, what
  -- makes ingest idempotent. NULL in rows recorded before it existed (never de-duplicated).
  delivery_key       TEXT,
  recipient          TEXT    NOT NULL,
  sender             TEXT    NOT NULL DEFAULT '',
  raw_size           BIGINT  NOT NULL DEFAULT 0 CHECK (raw_size >= 0),
  raw_ref            TEXT,             -- path of the raw message when stored on disk
  raw                TEXT,             -- the raw message when stored inline
  subject            TEXT,
  from_addr          TEXT,
  to_addrs           TEXT,
  date               TEXT,             -- the Date: header as sent
  text_body          TEXT,
  html_body          TEXT,
  is_processed       BOOLEAN NOT NULL DEFAULT FALSE,
  processed_at       BIGINT,
  status             TEXT    NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'processed', 'failed')),
  error              TEXT,
  created_at         BIGINT  NOT NULL
);
-- Older databases keyed messages by (message_id_header, recipient); mail_store::init_schema
-- upgrades them before this script runs.
CREATE UNIQUE INDEX IF NOT EXISTS messages_delivery ON messages(delivery_key, recipient);
-- Rows from before delivery keys, which ferry-ingest keys when they are recent (see
-- mail_store::messages_without_delivery_key): empty once they are.
CREATE INDEX IF NOT EXISTS messages_without_delivery_key ON messages(created_at)
  WHERE delivery_key IS NULL;
CREATE INDEX IF NOT EXISTS messages_created_at ON messages(created_at);
CREATE INDEX IF NOT EXISTS messages_pending ON messages(is_processed, created_at);

CREATE TABLE IF NOT EXISTS attachments (
  id            BIGSERIAL PRIMARY KEY,
  message_id    BIGINT  NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  filename      TEXT    NOT NULL DEFAULT '',
  content_type  TEXT    NOT NULL DEFAULT 'application/octet-stream',
  size          BIGINT  NOT NULL CHECK (size >= 0),
  sha256        TEXT    NOT NULL,
  storage_path  TEXT
);
CREATE INDEX IF NOT EXISTS attachments_message_id ON attachments(message_id);
