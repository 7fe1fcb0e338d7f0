-- amcheck lets a read-only verifier prove B-tree indexes are sound.
CREATE EXTENSION IF NOT EXISTS amcheck;

-- Roles are cluster-wide; their passwords are set by whoever starts the cluster.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pa_app') THEN
    CREATE ROLE pa_app LOGIN;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'verity_ro') THEN
    CREATE ROLE verity_ro LOGIN;
  END IF;
END
$$;

-- The application: data access, no DDL.
DO $$ BEGIN EXECUTE format('GRANT CONNECT ON DATABASE %I TO pa_app, verity_ro', current_database()); END $$;
GRANT USAGE ON SCHEMA public TO pa_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO pa_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO pa_app;
REVOKE ALL ON schema_migrations FROM pa_app;

-- The verifier: read everything, write nothing, see server statistics, run amcheck.
GRANT pg_monitor, pg_read_all_data TO verity_ro;
-- amcheck revokes its functions from PUBLIC; they are the only functions in this schema.
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO verity_ro;
ALTER ROLE verity_ro SET default_transaction_read_only = on;
