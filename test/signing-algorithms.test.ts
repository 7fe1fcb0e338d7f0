// Verity's token checks against access tokens not signed with RS256: the demo started with
// signingAlg ES256, EdDSA (Ed25519) or HS256 (in the cookie transport: an HMAC-signed cookie that
// is itself the JWT), and `npm run verify -- --project=api
// api/tokens.spec.ts` run against it as a configured target. The genuine token verifies, every
// forged token is refused, and the OWASP cases that need a public key (key confusion, another
// published key's kid) say why they do not apply to an HMAC secret instead of passing unseen.
// One run under the signature-unchecked fault shows the forged cookies are really presented.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { JWK } from 'jose';
import type { Demo, SigningAlg } from '../demo-app/src/index.ts';
import { startTarget } from './support/target.ts';
import { allureResults, label, verify, type VerifyRun } from './support/verify-run.ts';

const claimsCheck = "Access token is signed by the target's key and carries the expected claims";
const keyConfusion = 'A token signed with HS256 using the public key as HMAC secret is refused (key confusion)';
const anotherPublishedKid = 'A token naming another key the target publishes is refused';
/** The allure story every forged-token test of api/tokens.spec.ts carries. */
const forgedStory = 'Forged tokens are refused';

interface Result {
  name: string;
  status: string;
  message: string;
  story?: string;
}

async function verifyTokens(demo: Demo): Promise<{ run: VerifyRun; claims: Result; forged: Result[] }> {
  const run = await verify(
    {
      // No DATABASE_URL: these runs are about tokens, and the database checks would only add time.
      BASE_URL: demo.baseURL,
      VERITY_APP_LOG_FILE: demo.appLogFile,
      // Nothing about an HMAC secret is published: Verity is handed it, as a user would hand theirs.
      ...(demo.jwtSecret ? { VERITY_JWT_SECRET: demo.jwtSecret } : {}),
    },
    { args: ['--project=api', 'api/tokens.spec.ts'] },
  );
  assert.ok(run.runDir, `a report was written:\n${run.stdout.slice(-3000)}${run.stderr.slice(-3000)}`);
  const results: Result[] = allureResults(run.runDir).map((r) => ({
    name: r.name,
    status: r.status,
    message: r.statusDetails?.message ?? '',
    story: label(r, 'story'),
  }));
  const claims = results.find((r) => r.name === claimsCheck);
  assert.ok(claims, `the run has the check "${claimsCheck}": ${results.map((r) => r.name).join(' | ')}`);
  const forged = results.filter((r) => r.story === forgedStory);
  assert.ok(forged.length >= 8, `the run has every forged-token test (${forged.length}): ${forged.map((r) => r.name).join(' | ')}`);
  return { run, claims, forged };
}

const summary = (results: Result[]) => results.map((r) => `${r.status}: ${r.name}${r.message ? ` — ${r.message.split('\n')[0]}` : ''}`).join('\n');

for (const alg of ['ES256', 'EdDSA', 'HS256'] as const satisfies readonly SigningAlg[]) {
  describe(`a demo signing its access tokens with ${alg}`, () => {
    let demo: Demo;
    before(async () => {
      // HS256 in the cookie transport: an HMAC-signed access cookie that is itself the JWT, refreshed by cookie only.
      demo = await startTarget({ signingAlg: alg, ...(alg === 'HS256' ? { authMode: 'cookie' as const } : {}) });
    });
    after(async () => {
      await demo?.stop();
    });

    it(`publishes ${alg === 'HS256' ? 'no key, and hands its tests the secret' : `both its ${alg} public keys`}`, async () => {
      assert.equal(demo.signingAlg, alg, 'the demo says how it signs');
      const { keys } = await (await fetch(new URL('/.well-known/jwks.json', demo.baseURL))).json() as { keys: JWK[] };
      if (alg === 'HS256') {
        assert.deepEqual(keys, [], 'the JWKS of an HMAC-signing app is empty');
        assert.ok(demo.jwtSecret && demo.jwtSecret.length >= 32, 'the demo exposes its HMAC secret');
      } else {
        assert.equal(demo.jwtSecret, undefined, 'a key-pair demo has no secret to expose');
        assert.deepEqual(keys.map((k) => k.alg), [alg, alg], `the published and the next key, both ${alg}`);
        assert.deepEqual(keys.map((k) => k.kty), alg === 'ES256' ? ['EC', 'EC'] : ['OKP', 'OKP'], 'the key type');
        if (alg === 'EdDSA') assert.deepEqual(keys.map((k) => k.crv), ['Ed25519', 'Ed25519'], 'the curve');
        assert.ok(keys.every((k) => k.d === undefined), 'no private part is published');
      }
    });

    it('npm run verify -- --project=api api/tokens.spec.ts: the genuine token verifies, every forged one is refused or does not apply, exit 0', async () => {
      const { run, claims, forged } = await verifyTokens(demo);
      assert.equal(claims.status, 'passed', `${claimsCheck}: ${claims.message}`);
      const wrong = forged.filter((r) => !['passed', 'skipped'].includes(r.status));
      assert.deepEqual(wrong.map((r) => r.name), [], `every forged-token test passed or was skipped:\n${summary(wrong)}`);
      const skipped = forged.filter((r) => r.status === 'skipped');
      if (alg === 'HS256') {
        assert.deepEqual(skipped.map((r) => r.name).sort(), [anotherPublishedKid, keyConfusion].sort(), `only the public-key cases are skipped:\n${summary(forged)}`);
        const confusion = skipped.find((r) => r.name === keyConfusion)!;
        assert.match(confusion.message, /HMAC secret: there is no public key/, 'key confusion says why it does not apply');
        const another = skipped.find((r) => r.name === anotherPublishedKid)!;
        assert.match(another.message, /VERITY_JWT_SECRET, not a JWKS/, 'another published key says why it does not apply');
      } else {
        assert.deepEqual(skipped.map((r) => r.name), [], `nothing is skipped:\n${summary(forged)}`);
        assert.equal(forged.find((r) => r.name === keyConfusion)?.status, 'passed', 'key confusion ran and the target refused it');
      }
      assert.equal(run.status, 0, run.stdout.slice(-3000));
    });

    if (alg === 'HS256') {
      it('under the signature-unchecked fault, every forged access cookie that runs is taken, and its test fails naming the refusal it expected', async () => {
        await demo.applyFault('signature-unchecked');
        try {
          const { run, forged } = await verifyTokens(demo);
          const ran = forged.filter((r) => r.status !== 'skipped');
          // Key confusion and another published key do not apply to an HMAC secret: six run.
          assert.ok(ran.length >= 6, `the forged-token tests ran:\n${summary(forged)}`);
          const notFailed = ran.filter((r) => r.status !== 'failed' || !r.message.includes('must get 401'));
          assert.deepEqual(notFailed.map((r) => r.name), [], `each failed with "must get 401":\n${summary(notFailed)}`);
          assert.notEqual(run.status, 0, 'the run fails');
        } finally {
          await demo.reset();
        }
      });
    }
  });
}
