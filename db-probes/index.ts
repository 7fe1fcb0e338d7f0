// Every database probe, in the order the report lists them. One probe per file.
import type { Probe } from './probe.ts';
import serverFacts from './server-facts.ts';
import rowCounts from './row-counts.ts';
import connectivity from './connectivity.ts';
import recoveryState from './recovery-state.ts';
import verifierRole from './verifier-role.ts';
import schemaPresence from './schema-presence.ts';
import collationVersions from './collation-versions.ts';
import foreignKeyOrphans from './foreign-key-orphans.ts';
import inferredReferences from './inferred-references.ts';
import declaredRelationships from './declared-relationships.ts';
import dataRules from './data-rules.ts';
import sequences from './sequences.ts';
import checksumFailures from './checksum-failures.ts';
import invalidIndexes from './invalid-indexes.ts';
import missingPrimaryKeys from './missing-primary-keys.ts';
import unindexedForeignKeys from './unindexed-foreign-keys.ts';
import neverAnalyzed from './never-analyzed.ts';
import btreeIntegrity from './btree-integrity.ts';
import staleSessions from './stale-sessions.ts';
import freshness from './freshness.ts';
import appRolePrivileges from './app-role-privileges.ts';
import xidAge from './xid-age.ts';
import connectionSaturation from './connection-saturation.ts';
import longTransactions from './long-transactions.ts';
import blockedLocks from './blocked-locks.ts';
import crashSigns from './crash-signs.ts';
import schemaDrift from './schema-drift.ts';
import dataLoss from './data-loss.ts';
import acceptedFindings from './accepted-findings.ts';

export const probes: Probe[] = [
  // Reported, never failed
  serverFacts,
  rowCounts,
  // Can we talk to it, and is it what we think it is?
  connectivity,
  recoveryState,
  verifierRole,
  // Is the schema whole?
  schemaPresence,
  collationVersions,
  // Is the data consistent?
  foreignKeyOrphans,
  inferredReferences,
  declaredRelationships,
  dataRules,
  sequences,
  checksumFailures,
  // Did the restore finish its post-data step?
  invalidIndexes,
  missingPrimaryKeys,
  unindexedForeignKeys,
  neverAnalyzed,
  btreeIntegrity,
  // Is the app's state sane and current?
  staleSessions,
  freshness,
  appRolePrivileges,
  // Is the server under strain?
  xidAge,
  connectionSaturation,
  longTransactions,
  blockedLocks,
  // Did it crash?
  crashSigns,
  // Is it as the baseline recorded it (npm run baseline)?
  schemaDrift,
  dataLoss,
  // Runs after every other probe: the baseline's accepted findings met theirs.
  acceptedFindings,
];
