// The demo's public entry: start it, break it, reset it, and the accounts it seeds.
export { startDemo, maskPassword, type Demo, type DemoOptions } from './demo.ts';
export { faults, faultNames, findFault, type Fault, type FaultName, type FaultLayer, type FaultKind } from './faults/catalog.ts';
export { localAccounts, localAccountsFile, parseAccounts, seedAccounts, type AccountEntry } from './accounts.ts';
export type { SeedAccount } from './db/seed.ts';
export type { AuthContract, AuthMode, DemoConventions, SigningAlg } from './server/options.ts';
