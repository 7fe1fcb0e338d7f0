// Every application fault of the demo's catalog, against the demo in its default token transport:
// bearer tokens in JSON bodies, kept by the SPA in storage. The table: support/app-fault-matrix.ts.
// The healthy demo in this transport is verified green by verify.test.ts (every check, nothing
// skipped); isolated mode runs it here too.
import { describeFaultMatrix, expectations } from './support/app-fault-matrix.ts';
import type { FaultName } from '../demo-app/src/index.ts';

describeFaultMatrix('bearer', Object.keys(expectations) as FaultName[]);
