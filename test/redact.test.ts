// The redactor masks what it is told is secret, wherever a report could carry it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { displayURL, formsOf, mask, Redactor, secretsInURL } from '../src/redact.ts';
import { secretFieldNames } from '../run/prepare.ts';

describe('redactor', () => {
  it('masks configured secret values, also URL-encoded', () => {
    const redactor = new Redactor(['s3cr3t&pass']);
    assert.equal(redactor.scrub('pw=s3cr3t&pass and s3cr3t%26pass'), `pw=${mask} and ${mask}`);
  });

  it("masks the values of the profile's own token fields and cookies, in JSON, escaped JSON, cookies and query strings", () => {
    const redactor = new Redactor([], ['sid_tok', 'x.auth']);
    const text = '{"sid_tok":"abcdef123","ok":1} cookie: x.auth=zzz999; other=1 ?sid_tok=qq&x=1 \\"sid_tok\\":\\"sec\\"';
    const scrubbed = redactor.scrub(text);
    for (const secret of ['abcdef123', 'zzz999', 'qq&', 'sec\\']) assert.ok(!scrubbed.includes(secret), `${secret} masked in ${scrubbed}`);
    assert.match(scrubbed, /"ok":1/);
    assert.match(scrubbed, /other=1/);
  });

  it("takes the secret names from the profile's sign-in contract: a token's JSON pointer, its cookie or header, the pages' session cookie", async () => {
    const { default: directus } = await import('../profiles/directus.ts');
    const names = secretFieldNames(directus.app.auth!);
    for (const name of ['password', 'access_token', 'refresh_token', 'directus_session_token']) assert.ok(names.includes(name), `${name} is a secret name: ${names.join(', ')}`);
    const custom = secretFieldNames({ ...directus.app.auth!, accessToken: { from: 'header', name: 'X-Session' }, refreshToken: { from: 'json', pointer: '/result/renew~1token' }, presentAccessToken: { as: 'cookie', name: 'sess' } });
    for (const name of ['X-Session', 'renew/token', 'sess']) assert.ok(custom.includes(name), `${name} is a secret name: ${custom.join(', ')}`);
    const redactor = new Redactor([], names);
    assert.doesNotMatch(redactor.scrub('{"data":{"expires":900000,"refresh_token":"opaque-1234567890"}} directus_session_token=abcdef0123456789'), /opaque-1234567890|abcdef0123456789/, 'the values are masked');
  });

  it('leaves fields it was not told about alone', () => {
    assert.equal(new Redactor([]).scrub('{"sid_tok":"abcdef123"}'), '{"sid_tok":"abcdef123"}');
  });

  it('masks JWTs, bearer tokens and the password in a connection string by their shape', () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJlLXBhcnQ';
    const scrubbed = new Redactor([]).scrub(`${jwt} Authorization: Bearer abcdefghij postgres://u:pw123@h/db`);
    assert.ok(!scrubbed.includes(jwt));
    assert.ok(!scrubbed.includes('abcdefghij'));
    assert.ok(!scrubbed.includes('pw123'));
  });

  it('masks a password holding quotes and backslashes whole, in every form a report gives it', () => {
    const password = 'a"b\\c d&e<f>\'g';
    const redactor = new Redactor([password]);
    const carriers = [
      password,
      JSON.stringify({ password }),
      JSON.stringify(JSON.stringify({ password })),
      `Fill "${password}"`,
      `https://x.test/login?p=${encodeURIComponent(password)}`,
      `email=a%40b&password=${new URLSearchParams({ v: password }).toString().slice(2)}`,
      `<input value="${password.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&#39;')}">`,
    ];
    for (const text of carriers) {
      const scrubbed = redactor.scrub(text);
      assert.deepEqual(redactor.leaks(scrubbed), [], `${text} → ${scrubbed}`);
      for (const part of ['b\\c', 'd&e', 'c d']) assert.ok(!scrubbed.includes(part), `no part of it left: ${scrubbed}`);
    }
    assert.ok(formsOf(password).length >= 6);
  });

  it('masks cookies stored as JSON (storage state, traces), whatever their name', () => {
    const redactor = new Redactor([], ['pa_refresh']);
    const storage = JSON.stringify({ cookies: [
      { name: 'pa_refresh', value: 'refresh-SECRET-1', domain: '127.0.0.1', path: '/', httpOnly: true },
      { name: '__Host-session', value: 'host-SECRET-2', domain: 'app.test', path: '/' },
      { name: 'connect.sid', value: 's%3Asid-SECRET-3', domain: 'app.test', path: '/' },
    ] });
    const headers = JSON.stringify([
      { name: 'set-cookie', value: 'pa_access=access-SECRET-4; Path=/; HttpOnly' },
      { name: 'Cookie', value: 'theme=dark; sid=sid-SECRET-5' },
      { name: 'content-type', value: 'application/json' },
    ]);
    const scrubbed = redactor.scrub(`${storage}\n${headers}\n${JSON.stringify(headers)}`);
    assert.doesNotMatch(scrubbed, /SECRET/);
    assert.match(scrubbed, /"name":"content-type","value":"application\/json"/, 'other headers stay readable');
  });

  it('masks Basic credentials, credential query parameters, __Host-/__Secure- cookies and credential header lines', () => {
    const redactor = new Redactor([]);
    const text = [
      'Authorization: Basic dXNlcjpwYXNzd29yZA==',
      'GET https://app.test/callback?code=oauth-SECRET-1&state=ok',
      'https://app.test/reset?token=reset-SECRET-2#x and /download?sig=sig-SECRET-3&access_token=at-SECRET-4',
      'Cookie sent: __Host-session=host-SECRET-5; __Secure-id=sec-SECRET-6',
      '  - cookie: pa_x=cookie-SECRET-7; other=1',
      '  - authorization: Token tok-SECRET-8',
      'https://admin:url-SECRET-9@app.test/',
      '{"client_secret":"cs-SECRET-10","apikey":"k-SECRET-11"}',
    ].join('\n');
    const scrubbed = redactor.scrub(text);
    assert.doesNotMatch(scrubbed, /SECRET|dXNlcjpwYXNzd29yZA/);
    assert.match(scrubbed, /state=ok/, 'harmless parameters stay');
  });

  it('leaves prose about tokens and schemes readable', () => {
    const prose = 'A token stripped of its signature is refused; Bearer tokens in JSON bodies; Basic authentication over HTTPS only';
    assert.equal(new Redactor([]).scrub(prose), prose);
  });

  it('shows URLs without userinfo passwords or query, and learns the credentials they carry', () => {
    assert.equal(displayURL('postgres://verity_ro:pw-1234@db.example.com:5432/app?sslpassword=ssl-5678&options=x'), 'postgres://verity_ro@db.example.com:5432/app');
    assert.equal(displayURL('https://user:pass-1234@staging.example.com/?token=t-1234'), 'https://user@staging.example.com/');
    assert.equal(displayURL('https://staging.example.com'), 'https://staging.example.com');
    assert.deepEqual(secretsInURL('postgres://ro:pw%40-1234@db/app?password=qp-5678&sslmode=require&sslkey=/k/path'), ['pw@-1234', 'qp-5678', '/k/path']);
  });
});
