// The demo in its cookie transport (HttpOnly cookies set at sign-in, a cookie-authenticated
// refresh): healthy, traces on, with no secret in reports/ and no session left open after the
// run. Its faults run with VERITY_FAULT_MATRIX=isolated (`npm run test:fault-matrix`): every fault
// of the catalog, alone, in this transport too; `npm test` runs each fault once, in the bearer
// transport, to stay within its time budget. The table: support/app-fault-matrix.ts.
import { describeFaultMatrix, expectations, isolated } from './support/app-fault-matrix.ts';
import type { FaultName } from '../demo-app/src/index.ts';

const faults = isolated ? (Object.keys(expectations) as FaultName[]) : [];
describeFaultMatrix('cookie', faults, { healthy: true });
