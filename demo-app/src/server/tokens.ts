// Access tokens are RS256 JWTs whose public key is published as a JWKS. Refresh tokens are
// opaque random strings, stored only as SHA-256 hashes.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair, jwtVerify, type CryptoKey, type JWK, type JWTPayload } from 'jose';

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

export interface AccessClaims extends JWTPayload {
  sub: string;
  sid: string;
}

export class TokenService {
  constructor(
    private readonly keys: { published: SigningKey; signing: () => SigningKey },
    private readonly settings: { issuer: string; audience: string; accessTtlSeconds: number },
  ) {}

  jwks(): { keys: JWK[] } {
    return { keys: [this.keys.published.publicJwk] };
  }

  async issueAccess(userId: string, sessionId: string): Promise<string> {
    const key = this.keys.signing();
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ sid: sessionId })
      .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' })
      .setSubject(userId)
      .setIssuer(this.settings.issuer)
      .setAudience(this.settings.audience)
      .setJti(randomUUID())
      // One clock reading for both, so exp − iat is exactly the configured lifetime.
      .setIssuedAt(now)
      .setExpirationTime(now + this.settings.accessTtlSeconds)
      .sign(key.privateKey);
  }

  /** Throws on a bad signature, algorithm, issuer, audience, expiry or missing claims. */
  async verifyAccess(token: string): Promise<AccessClaims> {
    const key = this.keys.signing();
    const { payload, protectedHeader } = await jwtVerify(token, key.publicKey, {
      algorithms: ['RS256'],
      issuer: this.settings.issuer,
      audience: this.settings.audience,
      requiredClaims: ['sub', 'sid', 'exp', 'iat', 'jti'],
    });
    if (protectedHeader.kid !== key.kid) throw new Error('unknown kid');
    return payload as AccessClaims;
  }
}

export function newRefreshToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
