// The demo in its cookie transport (HttpOnly cookies set at sign-in, a cookie-authenticated
// refresh): healthy (with no session left open after the run), and the faults that act where the transports
// differ (all of them with VERITY_FAULT_MATRIX=isolated). The table: support/app-fault-matrix.ts.
import { describeFaultMatrix, expectations, isolated } from './support/app-fault-matrix.ts';
import type { FaultName } from '../demo-app/src/index.ts';

const faults = (Object.keys(expectations) as FaultName[]).filter((name) => isolated || expectations[name]!.transportSensitive);
describeFaultMatrix('cookie', faults, { healthy: true });
