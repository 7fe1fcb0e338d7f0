// The redactor masks what it is told is secret, wherever a report could carry it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mask, Redactor } from '../src/redact.ts';

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
});
