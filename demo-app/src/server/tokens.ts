// Access tokens are JWTs signed with one algorithm chosen at start (RS256 unless said otherwise).
// With a key pair, the public keys are published as a JWKS: the key that signs today and the next
// one, published ahead of a rotation so verifiers already know it. With an HMAC secret nothing can
// be published: a verifier must be given the secret. A token is verified with the key its kid
// names. Refresh tokens are opaque random strings, stored only as SHA-256 hashes.
import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  SignJWT,
  decodeJwt,
  decodeProtectedHeader,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  importSPKI,
  jwtVerify,
  type CryptoKey,
  type JWK,
  type JWTPayload,
} from 'jose';
import type { SigningAlg } from './options.ts';

export interface SigningKey {
  kid: string;
  alg: SigningAlg;
  /** What signs: a private key, or the HMAC secret. */
  privateKey: CryptoKey | Uint8Array;
  /** What verifies: the public key, or the same HMAC secret. */
  publicKey: CryptoKey | Uint8Array;
  /** Absent for an HMAC secret, which must never be published. */
  publicJwk?: JWK;
  /** The HMAC secret as the text a verifier is configured with (VERITY_JWT_SECRET); key pairs have none. */
  secret?: string;
}

export async function newSigningKey(alg: SigningAlg = 'RS256'): Promise<SigningKey> {
  const kid = `pa-${randomBytes(6).toString('hex')}`;
  if (alg === 'HS256') {
    // Apps take their HMAC secret as text (an environment variable), and so does a verifier: the
    // key is the text's bytes, so that handing the text over hands over exactly the key.
    const secret = randomBytes(32).toString('base64url');
    const key = new TextEncoder().encode(secret);
    return { kid, alg, privateKey: key, publicKey: key, secret };
  }
  // EdDSA also covers Ed448, which few verifiers take; Ed25519 is the curve apps sign with.
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}) });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { kid, alg, privateKey, publicKey, publicJwk };
}

/** Writes each public key's PEM to the keys folder, in a file named by its kid; HMAC secrets have none. */
export async function writePublicKeys(keysDir: string, keys: SigningKey[]): Promise<void> {
  mkdirSync(keysDir, { recursive: true });
  for (const key of keys) {
    if (key.publicKey instanceof Uint8Array) continue;
    writeFileSync(path.join(keysDir, key.kid), `${await exportSPKI(key.publicKey)}\n`);
  }
}

export interface AccessClaims extends JWTPayload {
  sub: string;
  sid: string;
}

/** The ways verification can be broken on purpose (app faults of the catalog). */
export interface VerificationFlaws {
  /** Decode the token and check its claims, never its signature. */
  signatureUnchecked: boolean;
  /** A kid other than the signing key's is read as a file under the keys folder, its bytes the key. */
  kidReadAsPath: boolean;
}

const requiredClaims = ['sid', 'exp', 'iat', 'jti'] as const;

export class TokenService {
  constructor(
    private readonly keys: {
      /** The key that signs access tokens (another, unpublished one under the foreign-signing-key fault). */
      signing: () => SigningKey;
      /** Published ahead of a rotation; signs nothing yet. */
      next: SigningKey;
      /** Published (an HMAC secret is handed to verifiers instead), and what signs unless a fault says otherwise. */
      published: SigningKey;
      keysDir: string;
    },
    /** contract 'nested': the user's id goes in a `uid` claim, and the token has no `sub`. */
    private readonly settings: { issuer: string; audience: string; accessTtlSeconds: number; contract?: 'standard' | 'nested' },
    private readonly flaws: () => VerificationFlaws,
  ) {}

  /** The claim that holds the user's id. */
  private get subjectClaim(): string {
    return this.settings.contract === 'nested' ? 'uid' : 'sub';
  }

  /** The claims every token must carry; the returned claims name the user as `sub` whatever claim the token used. */
  private withSubject(payload: JWTPayload): AccessClaims {
    const subject = payload[this.subjectClaim];
    if (subject === undefined) throw new Error(`missing ${this.subjectClaim}`);
    return { ...payload, sub: String(subject) } as AccessClaims;
  }

  jwks(): { keys: JWK[] } {
    // An HMAC secret has no public half: the JWKS is then empty, not a leak of the secret.
    return { keys: [this.keys.published.publicJwk, this.keys.next.publicJwk].filter((jwk): jwk is JWK => jwk !== undefined) };
  }

  async issueAccess(userId: string, sessionId: string): Promise<string> {
    const key = this.keys.signing();
    const now = Math.floor(Date.now() / 1000);
    const jwt = new SignJWT(this.subjectClaim === 'sub' ? { sid: sessionId } : { sid: sessionId, [this.subjectClaim]: userId })
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' });
    if (this.subjectClaim === 'sub') jwt.setSubject(userId);
    return jwt
      .setIssuer(this.settings.issuer)
      .setAudience(this.settings.audience)
      .setJti(randomUUID())
      // One clock reading for both, so exp − iat is exactly the configured lifetime.
      .setIssuedAt(now)
      .setExpirationTime(now + this.settings.accessTtlSeconds)
      .sign(key.privateKey);
  }

  /** Throws on a bad signature, algorithm, kid, issuer, audience, expiry or missing claims. */
  async verifyAccess(token: string): Promise<AccessClaims> {
    const flaws = this.flaws();
    if (flaws.signatureUnchecked) return this.checkedClaims(decodeJwt(token));
    const { kid, alg } = decodeProtectedHeader(token);
    const signing = this.keys.signing();
    if (flaws.kidReadAsPath && kid !== undefined && kid !== signing.kid) return this.verifyWithKeyFile(token, kid, alg ?? '');
    // The kid chooses the key, among the keys this server trusts: the one it signs with and the next one.
    const key = [signing, this.keys.next].find((k) => k.kid === kid);
    if (!key) throw new Error('unknown kid');
    // Only the algorithm this server signs with: a token's alg never chooses how its key is used.
    const { payload } = await jwtVerify(token, key.publicKey, {
      algorithms: [key.alg],
      issuer: this.settings.issuer,
      audience: this.settings.audience,
      requiredClaims: [...requiredClaims],
    });
    return this.withSubject(payload);
  }

  /**
   * The kid-read-as-path fault: the key is whatever file the kid names under the keys folder, used
   * with the token's own alg. "../../dev/null" names an empty HMAC secret; the next key's kid names
   * its public PEM, which then works as an HMAC secret too. Under HS256 the folder stays empty
   * (nothing public to write), so only a kid leading out of it names a file.
   */
  private async verifyWithKeyFile(token: string, kid: string, alg: string): Promise<AccessClaims> {
    const keyBytes = readFileSync(path.join(this.keys.keysDir, kid));
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const hmac = /^HS(256|384|512)$/.exec(alg);
    if (hmac) {
      // node:crypto, unlike WebCrypto, takes an empty HMAC key.
      const expected = createHmac(`sha${hmac[1]}`, keyBytes).update(`${header}.${payload}`).digest();
      const given = Buffer.from(signature, 'base64url');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new Error('signature verification failed');
    } else {
      await jwtVerify(token, await importSPKI(keyBytes.toString('utf8'), alg), { algorithms: [alg] });
    }
    return this.checkedClaims(decodeJwt(token));
  }

  /** What jwtVerify checks besides the signature: issuer, audience, expiry, required claims. */
  private checkedClaims(payload: JWTPayload): AccessClaims {
    for (const claim of requiredClaims) if (payload[claim] === undefined) throw new Error(`missing ${claim}`);
    if (payload.iss !== this.settings.issuer) throw new Error('unexpected iss');
    const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    if (!audiences.includes(this.settings.audience)) throw new Error('unexpected aud');
    if (typeof payload.exp !== 'number' || payload.exp <= Date.now() / 1000) throw new Error('expired');
    return this.withSubject(payload);
  }
}

export function newRefreshToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
