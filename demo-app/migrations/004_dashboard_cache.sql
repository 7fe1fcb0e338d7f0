-- Per-user dashboard counts, recomputed on demand. UNLOGGED because it is a cache: it is
-- cheap to write, and PostgreSQL empties it after a crash. The seed fills it for every user,
-- so an empty cache while users exist is the mark of a crash.
CREATE UNLOGGED TABLE dashboard_counts (
  user_id       bigint PRIMARY KEY,
  conversations integer NOT NULL,
  messages      integer NOT NULL,
  sms_messages  integer NOT NULL,
  refreshed_at  timestamptz NOT NULL DEFAULT now()
);
