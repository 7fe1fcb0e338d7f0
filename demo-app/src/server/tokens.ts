// Access tokens are RS256 JWTs whose public keys are published as a JWKS: the key that signs
// today and the next one, published ahead of a rotation so verifiers already know it. A token is
// verified with the key its kid names. Refresh tokens are opaque random strings, stored only as
// SHA-256 hashes.
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

export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  publicJwk: JWK;
}

export async function newSigningKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = `pa-${randomBytes(6).toString('hex')}`;
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  return { kid, privateKey, publicKey, publicJwk };
}

/** Writes each key's public PEM to the keys folder, in a file named by its kid. */
export async function writePublicKeys(keysDir: string, keys: SigningKey[]): Promise<void> {
  mkdirSync(keysDir, { recursive: true });
  for (const key of keys) writeFileSync(path.join(keysDir, key.kid), `${await exportSPKI(key.publicKey)}\n`);
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
      /** Published, and what signs unless a fault says otherwise. */
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
    return { keys: [this.keys.published.publicJwk, this.keys.next.publicJwk] };
  }

  async issueAccess(userId: string, sessionId: string): Promise<string> {
    const key = this.keys.signing();
    const now = Math.floor(Date.now() / 1000);
    const jwt = new SignJWT(this.subjectClaim === 'sub' ? { sid: sessionId } : { sid: sessionId, [this.subjectClaim]: userId })
      .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' });
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
    const { payload } = await jwtVerify(token, key.publicKey, {
      algorithms: ['RS256'],
      issuer: this.settings.issuer,
      audience: this.settings.audience,
      requiredClaims: [...requiredClaims],
    });
    return this.withSubject(payload);
  }

  /**
   * The kid-read-as-path fault: the key is whatever file the kid names under the keys folder, used
   * with the token's own alg. "../../dev/null" names an empty HMAC secret; the next key's kid names
   * its public PEM, which then works as an HMAC secret too.
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
