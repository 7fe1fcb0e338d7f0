// Access tokens: the token a sign-in gives is signed by the target's published key and carries
// the expected claims; forged tokens (OWASP WSTG JWT tests) are refused by a protected endpoint,
// each case its own test, next to a control showing the genuine token is accepted there.
import * as allure from 'allure-js-commons';
import type { APIRequestContext } from '@playwright/test';
import type { JWTPayload, ProtectedHeaderParameters } from 'jose';
import { labels } from '../allure-labels.ts';
import { expect, test, type Verity } from '../fixtures.ts';
import {
  addedClaim,
  asymmetricAlg,
  assemble,
  attackerKey,
  claimsOf,
  describeKeySource,
  headerOf,
  keySourceSetting,
  loadKeySource,
  noKeySource,
  otherPublishedKeys,
  publicKeyAsSecrets,
  publicKeyPem,
  publishedKeyText,
  segments,
  shown,
  sign,
  signHmac,
  verifySignature,
  withAddedClaim,
} from '../support/jwt.ts';
import { describeAnswer, isRefusal } from '../support/auth-api.ts';
import { userIdsByEmail } from '../support/records.ts';
import { skippedStep } from '../support/steps.ts';

const claimsDetails = labels({ layer: 'api', smoke: true, epic: 'Auth', feature: 'Access tokens', story: 'Signature and claims', severity: 'critical' });
const forgedDetails = labels({ layer: 'api', security: true, epic: 'Auth', feature: 'Access tokens', story: 'Forged tokens are refused', severity: 'critical' });

const json = (value: unknown) => JSON.stringify(value, null, 2);

test('Access token is signed by the target\'s key and carries the expected claims', claimsDetails, async ({ verity, mainSession, request, db }) => {
  const session = await test.step('Sign in as a QA user through the API', () => mainSession());
  const { header, claims } = await test.step('Read the access token\'s header and claims', async () => {
    await allure.attachment('Access token: header and claims (signature not shown)', json(shown(session.accessToken)), 'application/json');
    return { header: headerOf(session.accessToken), claims: claimsOf(session.accessToken) };
  });

  const setting = keySourceSetting(verity);
  if (!setting) {
    await skippedStep('The signature verifies with the target\'s key', noKeySource);
  } else {
    const source = await test.step(`Get the key that verifies access tokens (${setting.where})`, async () => {
      const loaded = await loadKeySource(verity, request);
      await allure.attachment('Verification key (public parts only)', json(describeKeySource(loaded)), 'application/json');
      return loaded;
    });
    await test.step('The signature verifies with the target\'s key', async () => {
      const result = await verifySignature(session.accessToken, source, verity.app.auth?.algorithms);
      expect.soft(result.ok, `signature: ${result.detail}`).toBe(true);
    });
    const algorithms = verity.app.auth?.algorithms;
    if (algorithms) {
      await test.step(`The algorithm is one the profile expects (${algorithms.join(', ')})`, async () => {
        expect.soft(algorithms, 'alg (app.auth.algorithms)').toContain(header.alg ?? '(none)');
      });
    } else if (source.kind === 'secret') {
      await test.step('The algorithm is HMAC (HS256, HS384 or HS512), as the configured secret implies', async () => {
        expect.soft(header.alg, 'alg').toMatch(/^HS(256|384|512)$/);
      });
    } else {
      await test.step('The algorithm is asymmetric (RS, PS, ES or EdDSA)', async () => {
        expect.soft(header.alg ?? '(none)', 'alg').toMatch(asymmetricAlg);
      });
    }
    if (source.kind === 'jwks') {
      await test.step('The header names a kid that the JWKS publishes', async () => {
        expect.soft(header.kid, 'kid in the token header').toBeTruthy();
        expect.soft(source.keys.map((k) => k.kid), 'kids published in the JWKS').toContain(header.kid);
      });
    } else {
      await skippedStep('The header names a kid that the JWKS publishes', `the key comes from ${source.where}, not a JWKS`);
    }
  }

  const issuer = verity.config.jwt.issuer ?? verity.app.auth?.issuer;
  if (issuer) {
    await test.step(`The issuer (iss) is "${issuer}"`, async () => {
      expect.soft(claims.iss, 'iss').toBe(issuer);
    });
  } else {
    await skippedStep('The issuer (iss) is the expected one', 'no expected issuer: set VERITY_JWT_ISSUER or app.auth.issuer');
  }
  const audience = verity.config.jwt.audience ?? verity.app.auth?.audience;
  if (audience) {
    await test.step(`The audience (aud) includes "${audience}"`, async () => {
      const aud = Array.isArray(claims.aud) ? claims.aud : claims.aud === undefined ? [] : [claims.aud];
      expect.soft(aud, 'aud').toContain(audience);
    });
  } else {
    await skippedStep('The audience (aud) is the expected one', 'no expected audience: set VERITY_JWT_AUDIENCE or app.auth.audience');
  }

  const ttl = verity.target.accessTtlSeconds;
  if (ttl) {
    await test.step(`The lifetime (exp − iat) is ${ttl} seconds`, async () => {
      expect.soft(typeof claims.exp === 'number' && typeof claims.iat === 'number', 'exp and iat are numeric dates').toBe(true);
      expect.soft((claims.exp ?? NaN) - (claims.iat ?? NaN), 'exp − iat in seconds').toBe(ttl);
    });
  } else {
    await skippedStep('The lifetime (exp − iat) is the expected one', 'the access-token lifetime is not known: set VERITY_ACCESS_TTL_SECONDS');
  }

  const users = verity.app.records?.users;
  const { subjectClaim, subjectHolds } = verity.app.auth ?? { subjectClaim: 'sub', subjectHolds: 'id' };
  const subjectTitle = `The subject (${subjectClaim}) is the signed-in user's ${subjectHolds === 'email' ? 'email' : 'id in the database'}`;
  if (subjectHolds === 'email') {
    await test.step(subjectTitle, async () => {
      expect.soft(String(claims[subjectClaim]).toLowerCase(), `the "${subjectClaim}" claim (app.auth.subjectClaim)`).toBe(session.account.email.toLowerCase());
    });
  } else if (!db) {
    await skippedStep(subjectTitle, 'no database connection (DATABASE_URL) for this cross-layer check');
  } else if (!users) {
    await skippedStep(subjectTitle, 'the profile names no users table (app.records.users)');
  } else {
    await test.step(subjectTitle, async () => {
      const ids = await userIdsByEmail(db, users, session.account.email);
      await allure.attachment('User row', json({ table: users.table, ids }), 'application/json');
      expect.soft(ids, `one ${users.table} row for the QA account`).toHaveLength(1);
      expect.soft(claims[subjectClaim] === undefined ? `(no "${subjectClaim}" claim)` : String(claims[subjectClaim]), `the "${subjectClaim}" claim (app.auth.subjectClaim)`).toBe(ids[0]);
    });
  }
});

// --- forged tokens -------------------------------------------------------------------------

interface Genuine {
  token: string;
  header: ProtectedHeaderParameters;
  claims: JWTPayload;
}

interface Forged {
  /** What the forged token is, for step titles and failure messages. */
  name: string;
  token: string;
}

interface ForgeContext {
  genuine: Genuine;
  verity: Verity;
  request: APIRequestContext;
}

interface Forgery {
  title: string;
  /** The step that makes the forged tokens, as a tester would write it. */
  how: string;
  /** A reason the case does not apply to this target, or undefined. */
  notApplicable?: (ctx: Omit<ForgeContext, 'genuine'>) => string | undefined | Promise<string | undefined>;
  forge(ctx: ForgeContext): Promise<Forged[]>;
}

/** The genuine header with another alg (and kid kept), for headers a forger would write. */
const headerLike = (genuine: Genuine, changes: Record<string, unknown>) => {
  const { alg, typ, kid } = genuine.header;
  const header: Record<string, unknown> = { alg, typ: typ ?? 'JWT', ...(kid ? { kid } : {}), ...changes };
  for (const [key, value] of Object.entries(header)) if (value === undefined) delete header[key];
  return header as { alg: string } & Record<string, unknown>;
};

const forgeries: Forgery[] = [
  {
    title: 'A token whose payload was changed after signing is refused',
    // Claims the server looks up (sub, sid, jti) or checks against a lifetime (iat, exp) could get
    // the token refused with its signature never checked; a claim added is refused by the signature alone.
    how: `Add a claim the target does not read (${addedClaim}) to the payload and keep the original signature`,
    async forge({ genuine }) {
      const { header, signature } = segments(genuine.token);
      const payload = segments(assemble({}, withAddedClaim(genuine.claims))).payload;
      return [{ name: `the genuine claims plus ${addedClaim} under the original signature`, token: `${header}.${payload}.${signature}` }];
    },
  },
  {
    title: 'A token stripped of its signature is refused',
    how: 'Remove the signature, keeping header and payload',
    async forge({ genuine }) {
      const { header, payload } = segments(genuine.token);
      return [
        { name: 'an empty signature segment', token: `${header}.${payload}.` },
        { name: 'no signature segment at all', token: `${header}.${payload}` },
      ];
    },
  },
  {
    title: 'A token declaring alg none is refused, whatever the letter case',
    how: 'Set alg to none (none, None, NONE, nOnE) and drop the signature',
    async forge({ genuine }) {
      return ['none', 'None', 'NONE', 'nOnE'].map((alg) => ({ name: `alg "${alg}"`, token: assemble(headerLike(genuine, { alg }), genuine.claims) }));
    },
  },
  {
    title: 'A token signed with HS256 using the public key as HMAC secret is refused (key confusion)',
    how: 'Sign the genuine claims with HS256, the target\'s public key (PEM and JWK bytes) as the secret, under the real kid',
    notApplicable: ({ verity }) => {
      const setting = keySourceSetting(verity);
      if (!setting) return noKeySource;
      if (setting.kind === 'secret') return 'the target signs with an HMAC secret: there is no public key to confuse it with';
      return undefined;
    },
    async forge({ genuine, verity, request }) {
      const source = await loadKeySource(verity, request);
      const publicKey = await publicKeyPem(source, genuine.header);
      if (!publicKey) throw new Error(`no public key in ${source.where} to build the key-confusion token from`);
      const header = headerLike(genuine, { alg: 'HS256' });
      return Promise.all(publicKeyAsSecrets(publicKey).map(async ({ name, secret }) => ({ name: `HS256 keyed with the ${name}`, token: await sign(genuine.claims, header, secret) })));
    },
  },
  {
    title: 'A token carrying its own key in an embedded jwk header is refused',
    how: 'Sign the genuine claims with an attacker key and embed that key\'s public JWK in the header',
    async forge({ genuine }) {
      const attacker = await attackerKey(genuine.header.alg && /^HS/.test(genuine.header.alg) ? 'RS256' : genuine.header.alg);
      const jwkHeader = { alg: attacker.alg, typ: 'JWT', jwk: attacker.publicJwk };
      return [
        { name: 'an embedded attacker jwk', token: await sign(genuine.claims, jwkHeader, attacker.privateKey) },
        { name: 'an embedded attacker jwk under the real kid', token: await sign(genuine.claims, { ...jwkHeader, ...(genuine.header.kid ? { kid: genuine.header.kid } : {}) }, attacker.privateKey) },
      ];
    },
  },
  {
    title: 'A token whose kid is a file path and whose HMAC secret is that file\'s known content is refused (kid path traversal)',
    // A server that reads the key from a file the kid names takes the bytes of whatever file the
    // attacker names. Enough ../ for a keys folder up to twelve levels deep (more stop at /).
    how: 'Sign the genuine claims with HS256 under kids naming files whose content is known: /dev/null (empty) and /proc/sys/kernel/ostype ("Linux\\n")',
    async forge({ genuine }) {
      const up = '../'.repeat(12);
      const cases: { kid: string; secret: string; name: string }[] = [
        { kid: `${up}dev/null`, secret: '', name: 'an empty secret' },
        { kid: '/dev/null', secret: '', name: 'an empty secret' },
        // For servers whose HMAC refuses an empty key, as WebCrypto's does: a file every Linux has, never empty.
        { kid: `${up}proc/sys/kernel/ostype`, secret: 'Linux\n', name: '"Linux\\n"' },
      ];
      return cases.map(({ kid, secret, name }) => ({ name: `kid "${kid}", HS256 keyed with ${name}`, token: signHmac(genuine.claims, headerLike(genuine, { alg: 'HS256', kid }), secret) }));
    },
  },
  {
    title: 'A token naming another key the target publishes is refused',
    how: 'Name another published key\'s kid: over the genuine signature, and with HS256 keyed with that key\'s public key (PEM and JWK bytes)',
    async notApplicable({ verity, request }) {
      const setting = keySourceSetting(verity);
      if (!setting) return noKeySource;
      if (setting.kind !== 'jwks') return `the key comes from ${setting.where}, not a JWKS: there is no other published key to name`;
      const source = await loadKeySource(verity, request);
      const kids = [...new Set(otherPublishedKeys(source, undefined).map((k) => k.kid))];
      if (kids.length < 2) return `the JWKS (${setting.where}) publishes one key${kids[0] ? ` (kid ${kids[0]})` : ''}: there is no other published key for a token to name`;
      return undefined;
    },
    async forge({ genuine, verity, request }) {
      const source = await loadKeySource(verity, request);
      const others = otherPublishedKeys(source, genuine.header.kid);
      const { payload, signature } = segments(genuine.token);
      const forged: Forged[] = [];
      for (const other of others) {
        // The genuine signature is over a header naming the genuine kid: under another kid, only
        // a server that checks no signature takes it.
        const renamed = segments(assemble(headerLike(genuine, { kid: other.kid }), {})).header;
        forged.push({ name: `the genuine signature under the kid ${other.kid}`, token: `${renamed}.${payload}.${signature}` });
        // A server that loads the named key's text and lets the token's alg say how to use it.
        const text = await publishedKeyText(other, genuine.header.alg);
        if (!text) throw new Error(`the published key ${other.kid} (${other.kty}) cannot be read as a public key`);
        const header = headerLike(genuine, { alg: 'HS256', kid: other.kid });
        for (const { name, secret } of publicKeyAsSecrets(text)) {
          forged.push({ name: `kid ${other.kid}, HS256 keyed with that key's ${name}`, token: await sign(genuine.claims, header, secret) });
        }
      }
      return forged;
    },
  },
  {
    title: 'A token signed by a foreign key under the real kid is refused',
    how: 'Sign the genuine claims with an attacker key of the same algorithm, under the genuine token\'s kid',
    async forge({ genuine }) {
      const attacker = await attackerKey(genuine.header.alg);
      return [{ name: 'a foreign key under the real kid', token: await sign(genuine.claims, headerLike(genuine, { alg: attacker.alg }), attacker.privateKey) }];
    },
  },
];

for (const forgery of forgeries) {
  test(forgery.title, forgedDetails, async ({ verity, mainSession, auth, request }) => {
    const meEndpoint = verity.app.api.me;
    const me = meEndpoint?.path;
    test.skip(!me, 'the profile names no protected endpoint to present tokens to (app.api.me)');
    const reason = await forgery.notApplicable?.({ verity, request });
    test.skip(!!reason, reason);

    const session = await test.step('Sign in as a QA user through the API', () => mainSession());
    await test.step(`Control: GET ${me} with the genuine access token answers 200 naming the QA user`, async () => {
      const answer = await auth.whoIs(meEndpoint!, session.accessToken);
      expect(answer.status === 200 && answer.who !== undefined, `control: the genuine token must be accepted by GET ${me} (it answered ${describeAnswer(answer)}), or refusing a forged one proves nothing`).toBe(true);
    });
    const genuine: Genuine = { token: session.accessToken, header: headerOf(session.accessToken), claims: claimsOf(session.accessToken) };
    const forged = await test.step(forgery.how, async () => {
      const made = await forgery.forge({ genuine, verity, request });
      await allure.attachment('Forged tokens: header and claims (signatures not shown)', json(made.map((f) => ({ case: f.name, ...shown(f.token) }))), 'application/json');
      return made;
    });
    const refused = verity.app.api.refusedStatuses;
    const statuses = refused.join(' or ');
    for (const f of forged) {
      await test.step(`GET ${me} with ${f.name} is refused (${statuses}, or an answer naming nobody)`, async () => {
        const answer = await auth.whoIs(meEndpoint!, f.token);
        expect.soft(isRefusal(answer, refused), `${forgery.title.replace(/ is refused.*$/, '')}: ${f.name} must get ${statuses}, got ${describeAnswer(answer)}`).toBe(true);
      });
    }
  });
}
