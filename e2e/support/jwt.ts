// Access-token checks: where the key that verifies the target's tokens comes from, signature
// verification against it, and the forged tokens of the OWASP JWT tests (tampered payload,
// stripped signature, alg none, key confusion, embedded jwk, kid injection, another published
// key's kid, foreign key). Tokens never leave this module as text for reports: callers attach
// headers and claims only.
import { createHmac } from 'node:crypto';
import {
  SignJWT,
  base64url,
  compactVerify,
  decodeJwt,
  decodeProtectedHeader,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  importJWK,
  importSPKI,
  type CryptoKey,
  type JWK,
  type JWTPayload,
  type ProtectedHeaderParameters,
} from 'jose';
import type { APIRequestContext } from '@playwright/test';
import type { Verity } from '../fixtures.ts';

export type KeySource =
  | { kind: 'jwks'; where: string; keys: JWK[] }
  | { kind: 'public-key'; where: string; pem: string }
  | { kind: 'secret'; where: string; secret: Uint8Array };

/** Where the key comes from, before anything is fetched; undefined when nothing says. */
export function keySourceSetting(verity: Verity): { kind: KeySource['kind']; where: string; url?: string } | undefined {
  const { jwt } = verity.config;
  if (jwt.jwksURL) return { kind: 'jwks', where: 'VERITY_JWKS_URL', url: jwt.jwksURL };
  if (jwt.publicKey) return { kind: 'public-key', where: 'VERITY_JWT_PUBLIC_KEY' };
  if (jwt.secret) return { kind: 'secret', where: 'VERITY_JWT_SECRET' };
  const jwksPath = verity.app.auth?.jwksPath;
  const baseURL = verity.state?.target.baseURL;
  if (jwksPath && baseURL) return { kind: 'jwks', where: `the profile's jwksPath ${jwksPath}`, url: new URL(jwksPath, baseURL).href };
  return undefined;
}

export const noKeySource =
  'nothing says how to verify access tokens: set VERITY_JWKS_URL, VERITY_JWT_PUBLIC_KEY or VERITY_JWT_SECRET, or app.auth.jwksPath in the profile';

/** Loads the verification key material (fetching the JWKS when that is the source). */
export async function loadKeySource(verity: Verity, request: APIRequestContext): Promise<KeySource> {
  const setting = keySourceSetting(verity);
  if (!setting) throw new Error(noKeySource);
  if (setting.kind === 'public-key') return { kind: 'public-key', where: setting.where, pem: verity.config.jwt.publicKey!.replace(/\\n/g, '\n') };
  if (setting.kind === 'secret') return { kind: 'secret', where: setting.where, secret: new TextEncoder().encode(verity.config.jwt.secret!) };
  const response = await request.get(setting.url!);
  if (response.status() !== 200) throw new Error(`the JWKS at ${setting.where} answered ${response.status()}`);
  const body = await response.json().catch(() => undefined);
  if (!Array.isArray(body?.keys)) throw new Error(`the JWKS at ${setting.where} is not a JSON object with a "keys" array`);
  return { kind: 'jwks', where: setting.where, keys: body.keys };
}

/** What may be shown of the key material: never the secret, only the public keys' ids and types. */
export function describeKeySource(source: KeySource): unknown {
  if (source.kind === 'jwks') return { source: source.where, keys: source.keys.map((k) => ({ kid: k.kid, kty: k.kty, alg: k.alg, use: k.use })) };
  if (source.kind === 'public-key') return { source: source.where, type: 'PEM public key' };
  return { source: source.where, type: 'HMAC secret (not shown)' };
}

export const asymmetricAlg = /^(RS|PS|ES)(256|384|512)$|^ES256K$|^EdDSA$|^Ed(25519|448)$/;

/**
 * Verifies the token's signature; says which key did. Claims are checked by the caller. With
 * `algorithms` (the profile's app.auth.algorithms) a token whose alg is not one of them fails.
 */
export async function verifySignature(token: string, source: KeySource, algorithms?: string[]): Promise<{ ok: boolean; detail: string }> {
  let header: ProtectedHeaderParameters;
  try {
    header = decodeProtectedHeader(token);
  } catch (err) {
    return { ok: false, detail: `the token's header cannot be read: ${(err as Error).message}` };
  }
  const alg = header.alg ?? '';
  if (algorithms && !algorithms.includes(alg)) return { ok: false, detail: `the token's alg ${alg || '(none)'} is not one the profile expects (${algorithms.join(', ')})` };
  const attempt = async (key: CryptoKey | Uint8Array) => compactVerify(token, key, { algorithms: [alg] }).then(() => true, () => false);
  if (source.kind === 'secret') {
    return (await attempt(source.secret)) ? { ok: true, detail: `verified with ${source.where}` } : { ok: false, detail: `does not verify with ${source.where} (alg ${alg})` };
  }
  if (source.kind === 'public-key') {
    const key = await importSPKI(source.pem, alg).catch(() => undefined);
    if (!key) return { ok: false, detail: `${source.where} cannot verify alg ${alg}` };
    return (await attempt(key)) ? { ok: true, detail: `verified with ${source.where}` } : { ok: false, detail: `does not verify with ${source.where}` };
  }
  // Every published key is tried, so a signature by a published key under a wrong kid still shows as such.
  for (const jwk of source.keys) {
    const key = await importJWK(jwk, jwk.alg ?? alg).catch(() => undefined);
    if (key && !(key instanceof Uint8Array) && (await attempt(key))) return { ok: true, detail: `verified with the published key ${jwk.kid ?? '(no kid)'}` };
  }
  return { ok: false, detail: `no key of the JWKS (${source.keys.map((k) => k.kid ?? '?').join(', ')}) verifies this ${alg} token` };
}

export interface PublicKeyText {
  pem: string;
  jwk?: JWK;
}

/** The public key as PEM, the way a confused verifier would read it: from the config or the JWKS key of the token's kid. */
export async function publicKeyPem(source: KeySource, header: ProtectedHeaderParameters): Promise<PublicKeyText | undefined> {
  if (source.kind === 'public-key') return { pem: source.pem };
  if (source.kind !== 'jwks') return undefined;
  const jwk = source.keys.find((k) => k.kid && k.kid === header.kid) ?? source.keys.find(isPublicKey);
  return jwk ? publishedKeyText(jwk, header.alg) : undefined;
}

const isPublicKey = (jwk: JWK) => jwk.kty === 'RSA' || jwk.kty === 'EC' || jwk.kty === 'OKP';

/** A published JWK and its PEM, the bytes a verifier that mistakes key text for an HMAC secret would use. */
export async function publishedKeyText(jwk: JWK, fallbackAlg: string | undefined): Promise<PublicKeyText | undefined> {
  if (!isPublicKey(jwk)) return undefined;
  const key = await importJWK(jwk, jwk.alg ?? fallbackAlg).catch(() => undefined);
  if (!key || key instanceof Uint8Array) return undefined;
  return { pem: await exportSPKI(key), jwk };
}

/** The JWKS's public keys with a kid other than the one given: keys a forged token may name instead. */
export function otherPublishedKeys(source: KeySource, kid: string | undefined): JWK[] {
  if (source.kind !== 'jwks') return [];
  return source.keys.filter((k) => isPublicKey(k) && k.kid && k.kid !== kid);
}

/** The secrets a key-confusion forger tries: the public key's PEM text (with and without its final newline) and its JWK. */
export function publicKeyAsSecrets(publicKey: PublicKeyText): { name: string; secret: Uint8Array }[] {
  const bytes = (text: string) => new TextEncoder().encode(text);
  const pem = publicKey.pem.trim();
  const secrets = [
    { name: 'PEM public key', secret: bytes(`${pem}\n`) },
    { name: 'PEM public key without its final newline', secret: bytes(pem) },
  ];
  if (publicKey.jwk) secrets.push({ name: 'published JWK (JSON)', secret: bytes(JSON.stringify(publicKey.jwk)) });
  return secrets;
}

// --- forging -------------------------------------------------------------------------------

const encodeJson = (value: unknown) => base64url.encode(JSON.stringify(value));

export function segments(token: string): { header: string; payload: string; signature: string } {
  const [header = '', payload = '', signature = ''] = token.split('.');
  return { header, payload, signature };
}

/** A token assembled from a header and claims with a given (possibly empty) signature segment. */
export function assemble(header: object, claims: object, signature = ''): string {
  return `${encodeJson(header)}.${encodeJson(claims)}.${signature}`;
}

/**
 * The claims plus one the target has no reason to read. Only a signature check can tell this
 * payload from the signed one: a changed sub, sid or jti can be refused by a server that looks
 * it up (the session, a token list), and a changed iat or exp by one that checks the lifetime,
 * without the signature ever being checked.
 */
export const addedClaim = 'verity_added_after_signing';
export function withAddedClaim(claims: JWTPayload): JWTPayload {
  return { ...claims, [addedClaim]: true };
}

export interface AttackerKey {
  alg: string;
  privateKey: CryptoKey | Uint8Array;
  publicJwk?: JWK;
}

/** A key the target has never seen, of the same family as the token's algorithm. */
export async function attackerKey(tokenAlg: string | undefined): Promise<AttackerKey> {
  if (tokenAlg && /^HS(256|384|512)$/.test(tokenAlg)) {
    return { alg: tokenAlg, privateKey: crypto.getRandomValues(new Uint8Array(64)) };
  }
  const alg = tokenAlg && asymmetricAlg.test(tokenAlg) ? tokenAlg : 'RS256';
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { alg, privateKey, publicJwk: await exportJWK(publicKey) };
}

export function sign(claims: JWTPayload, header: { alg: string } & Record<string, unknown>, key: CryptoKey | Uint8Array): Promise<string> {
  return new SignJWT(claims).setProtectedHeader(header as never).sign(key);
}

/**
 * An HMAC-signed token (HS256, HS384 or HS512 from the header's alg) with any secret, the empty
 * one included: jose, like WebCrypto, refuses a zero-length HMAC key, and what /dev/null holds is
 * exactly that.
 */
export function signHmac(claims: JWTPayload, header: { alg: string } & Record<string, unknown>, secret: Uint8Array | string): string {
  const bits = /^HS(256|384|512)$/.exec(header.alg)?.[1];
  if (!bits) throw new Error(`signHmac signs HS256, HS384 or HS512, not ${header.alg}`);
  const input = `${encodeJson(header)}.${encodeJson(claims)}`;
  return `${input}.${createHmac(`sha${bits}`, secret).update(input).digest('base64url')}`;
}

export function headerOf(token: string): ProtectedHeaderParameters {
  return decodeProtectedHeader(token);
}

export function claimsOf(token: string): JWTPayload {
  return decodeJwt(token);
}

/** A token shown safely: its header and claims, never its signature. */
export function shown(token: string): { header: unknown; claims: unknown } {
  const { header, payload } = segments(token);
  const parse = (part: string) => {
    try {
      return JSON.parse(new TextDecoder().decode(base64url.decode(part)));
    } catch {
      return '(not JSON)';
    }
  };
  return { header: parse(header), claims: parse(payload) };
}
