// Signing in, refreshing and signing out through the target's API, for either token transport.
// Each session gets its own request context (its own cookie jar), so sessions never mix, and
// every session opened here is signed out when the test ends.
import { request as playwrightRequest, type APIRequestContext, type APIResponse } from '@playwright/test';
import { decodeJwt } from 'jose';
import type { Account as TargetAccount } from '../../src/target.ts';
import type { Profile } from '../../src/profile.ts';
import { atPointer, contractOf, describeLocation, fieldOf, jwtsIn, requestOptions, shapeOf, type AuthSettings, type Call, type Contract, type TemplateValues, type TokenLocation, type Transport } from './auth-contract.ts';
import { registerSecrets } from './secrets.ts';

export type { AuthSettings, Transport } from './auth-contract.ts';

/** Who signs in: an email and a password are all the sign-in needs. */
export type Account = Pick<TargetAccount, 'email' | 'password'>;

export interface Session {
  account: Account;
  /** The request context that carries this session (its cookies, in cookie mode). */
  api: APIRequestContext;
  accessToken: string;
  refreshToken?: string;
  /** The server-side session the access token belongs to (the profile's session claim). */
  sessionId?: string;
  /** The token's subject (the profile's subjectClaim): the user's id (or email) as the server sees it. */
  userId?: string;
}

/** An answer's body, read once: its text and, when it is JSON, its value. */
interface ReadAnswer {
  response: APIResponse;
  json: unknown;
}

export class AuthApi {
  private readonly opened: Session[] = [];
  /** Sessions Verity opened and could not sign out: what was tried, for the run to report. */
  readonly unclosed: string[] = [];
  /** The calls, token locations and presentation the profile describes (today's behaviour by default). */
  readonly contract: Contract;

  constructor(
    private readonly baseURL: string,
    readonly settings: AuthSettings,
    readonly transport: Transport,
  ) {
    this.contract = contractOf(settings, transport);
  }

  /** A request context of its own: no cookies, no session. */
  newContext(): Promise<APIRequestContext> {
    return playwrightRequest.newContext({ baseURL: this.baseURL });
  }

  /** Makes one of the contract's calls with its body template filled. */
  call(api: APIRequestContext, call: Call, values: TemplateValues, headers: Record<string, string> = {}): Promise<APIResponse> {
    return api.fetch(call.path, requestOptions(call, values, headers));
  }

  async loginResponse(account: Account, api?: APIRequestContext): Promise<{ api: APIRequestContext; response: APIResponse }> {
    const context = api ?? (await this.newContext());
    const response = await this.call(context, this.contract.login, { email: account.email, password: account.password });
    return { api: context, response };
  }

  /**
   * Signs in through the API; throws with the status when the target refuses, or naming where it
   * looked when the answer has no access token there (the session it opened is signed out first).
   */
  async login(account: Account): Promise<Session> {
    const { api, response } = await this.loginResponse(account);
    if (!response.ok()) {
      const text = await response.text().catch(() => '');
      await api.dispose();
      throw new Error(`login of ${account.email} answered ${response.status()}: ${text.slice(0, 200)}`);
    }
    let session: Session;
    try {
      session = await this.sessionFrom(account, api, await read(response), `the ${this.contract.login.method} ${this.contract.login.path} answer`);
    } catch (err) {
      // The target opened a session Verity cannot hold: sign it out with whatever the answer gave.
      await this.signOutAnswer(api, response, account.email);
      await api.dispose().catch(() => undefined);
      throw err;
    }
    this.opened.push(session);
    return session;
  }

  /** Exchanges the session's refresh token; on success the session holds the new pair. */
  async refresh(session: Session): Promise<APIResponse> {
    const response = await this.call(session.api, this.contract.refresh, { ...session.account, refreshToken: session.refreshToken });
    if (response.ok()) Object.assign(session, await this.sessionFrom(session.account, session.api, await read(response), `the ${this.contract.refresh.method} ${this.contract.refresh.path} answer`));
    return response;
  }

  /**
   * Presents a given refresh token (e.g. one already used), outside any session's jar. With
   * `adoptInto`, an accepted refresh's new tokens become that session's, so it is signed out at the
   * end with what the target last issued (an app may key its session row by the refresh token).
   */
  async presentRefreshToken(token: string, adoptInto?: Session): Promise<APIResponse> {
    const api = await this.newContext();
    try {
      const location = this.contract.refreshToken;
      const headers: Record<string, string> = location.from === 'cookie' ? { cookie: `${location.name}=${token}` } : {};
      const response = await this.call(api, this.contract.refresh, { refreshToken: token }, headers);
      await response.body();
      if (response.ok() && adoptInto) {
        const { accessToken, refreshToken, sessionId } = await this.sessionFrom(adoptInto.account, api, await read(response), `the ${this.contract.refresh.method} ${this.contract.refresh.path} answer`);
        Object.assign(adoptInto, { accessToken, refreshToken, sessionId });
      }
      return response;
    } finally {
      await api.dispose();
    }
  }

  async logout(session: Session): Promise<APIResponse> {
    return this.call(session.api, this.contract.logout, { ...session.account, refreshToken: session.refreshToken }, this.authHeaders(session));
  }

  /** Headers that authenticate a request made with the session's own context (in cookie mode its jar does). */
  authHeaders(session: Session): Record<string, string> {
    const present = this.contract.present;
    if (present.as === 'cookie' && this.transport === 'cookie') return {};
    return this.presenting(session.accessToken);
  }

  /** The headers presenting an access token the profile's way (a header, with its prefix, or a cookie). */
  presenting(accessToken: string | undefined): Record<string, string> {
    if (!accessToken) return {};
    const present = this.contract.present;
    return present.as === 'header' ? { [present.name.toLowerCase()]: `${present.prefix}${accessToken}` } : { cookie: `${present.name}=${accessToken}` };
  }

  /** GET with a given access token (or none) from a clean context: nothing else authenticates it. */
  async getWithToken(path: string, accessToken: string | undefined): Promise<APIResponse> {
    const api = await this.newContext();
    try {
      const response = await api.get(path, { headers: this.presenting(accessToken) });
      await response.body();
      return response;
    } finally {
      await api.dispose();
    }
  }

  /**
   * Who the `me` endpoint says a token signs in: its status, and the account its body names (the
   * profile's me.emailField, else idField). Some apps answer a guest 200 with nobody named: that
   * is a refusal too, read from the body rather than the status alone.
   */
  async whoIs(me: MeEndpoint, accessToken: string | undefined): Promise<MeAnswer> {
    const api = await this.newContext();
    try {
      const response = await api.get(me.path, { headers: this.presenting(accessToken) });
      const body = await response.json().catch(() => undefined);
      const named = [fieldOf(body, me.emailField), fieldOf(body, me.idField)].find((v) => v !== undefined && v !== null && v !== '');
      return { status: response.status(), who: named === undefined ? undefined : String(named) };
    } finally {
      await api.dispose();
    }
  }

  /** A token where a location says, in an answer (a cookie: the context's jar, which the answer's Set-Cookie filled). */
  async tokenAt(location: TokenLocation, answer: ReadAnswer, api: APIRequestContext): Promise<string | undefined> {
    let value: unknown;
    if (location.from === 'json') {
      const found = atPointer(answer.json, location.pointer);
      value = found.found ? found.value : undefined;
    } else if (location.from === 'cookie') {
      value = (await api.storageState()).cookies.find((c) => c.name === location.name)?.value;
    } else {
      value = answer.response.headers()[location.name.toLowerCase()]?.replace(/^Bearer\s+/i, '');
    }
    return typeof value === 'string' && value ? value : undefined;
  }

  /**
   * Signs out a sign-in answer Verity holds no session for (made by hand, or one whose tokens it
   * could not read): with the access token where the profile says, else each JWT the body holds,
   * else the cookies alone. What cannot be signed out is recorded in `unclosed`.
   */
  async signOutAnswer(api: APIRequestContext, response: APIResponse, who = 'a sign-in'): Promise<boolean> {
    if (!response.ok()) return true;
    const answer = await read(response);
    const configured = await this.tokenAt(this.contract.accessToken, answer, api).catch(() => undefined);
    const refreshToken = await this.tokenAt(this.contract.refreshToken, answer, api).catch(() => undefined);
    const candidates = [...new Set([configured, ...jwtsIn(answer.json), ...response.headersArray().map((h) => h.value.replace(/^Bearer\s+/i, '')).filter((v) => jwtsIn(v).length)])].filter((t): t is string => !!t);
    const tries = candidates.length ? candidates : [undefined];
    const statuses: string[] = [];
    for (const token of tries) {
      const headers = token ? this.presenting(token) : {};
      const out = await this.call(api, this.contract.logout, { refreshToken }, headers).then((r) => r.status(), (err: Error) => err.message.split('\n')[0]!);
      if (typeof out === 'number' && out >= 200 && out < 300) return true;
      statuses.push(String(out));
    }
    this.unclosed.push(`${who}: ${this.contract.logout.method} ${this.contract.logout.path} answered ${statuses.join(', ')} to ${candidates.length ? `each of the ${candidates.length} token(s) the sign-in answer gave` : 'its cookies (the answer gave no token)'}`);
    return false;
  }

  /** Signs out and disposes every session this test opened; returns what could not be signed out (also kept in `unclosed`). */
  async closeAll(): Promise<string[]> {
    const before = this.unclosed.length;
    for (const session of this.opened.splice(0)) {
      // 401 or 403: the target no longer knows the session (a test ended it already).
      const outcome = await this.logout(session).then((r) => (r.ok() || [401, 403].includes(r.status()) ? undefined : `answered ${r.status()}`), (err: Error) => err.message.split('\n')[0]);
      if (outcome) this.unclosed.push(`the session of ${session.account.email}: ${this.contract.logout.method} ${this.contract.logout.path} ${outcome}`);
      await session.api.dispose().catch(() => undefined);
    }
    return this.unclosed.slice(before);
  }

  private async sessionFrom(account: Account, api: APIRequestContext, answer: ReadAnswer, what: string): Promise<Session> {
    const accessToken = await this.tokenAt(this.contract.accessToken, answer, api);
    const refreshToken = await this.tokenAt(this.contract.refreshToken, answer, api);
    // Before anything can print them: the redacting reporter masks what it is told (an opaque refresh token has no shape).
    await registerSecrets(accessToken, refreshToken, ...jwtsIn(answer.json), ...(await api.storageState()).cookies.map((c) => c.value));
    if (!accessToken) throw new Error(`the ${this.transport} login of ${account.email} gave no access token ${describeLocation(this.contract.accessToken)} (${what}: ${this.whatWasThere(this.contract.accessToken, answer)}) — app.auth.accessToken`);
    const claims = safeClaims(accessToken);
    // Where no claim names the session, its row may be keyed by the refresh token itself.
    const sid = claims[this.settings.sessionClaim] ?? (this.settings.sessionIsRefreshToken ? refreshToken : undefined);
    const subject = claims[this.settings.subjectClaim];
    return { account, api, accessToken, refreshToken, sessionId: sid === undefined ? undefined : String(sid), userId: subject === undefined ? undefined : String(subject) };
  }

  /** What the answer held near where a token was looked for: names only, never values. */
  private whatWasThere(location: TokenLocation, answer: ReadAnswer): string {
    if (location.from === 'json') {
      const { pointer } = location;
      const parent = pointer.slice(0, Math.max(0, pointer.lastIndexOf('/')));
      return `the body holds ${shapeOf(answer.json)}${parent ? `, at ${parent} ${shapeOf(answer.json, parent)}` : ''}`;
    }
    if (location.from === 'header') return `its headers are ${answer.response.headersArray().map((h) => h.name.toLowerCase()).join(', ')}`;
    return `it set the cookies ${answer.response.headersArray().filter((h) => h.name.toLowerCase() === 'set-cookie').map((h) => h.value.split('=')[0]).join(', ') || '(none)'}`;
  }
}

export type MeEndpoint = NonNullable<Profile['app']['api']['me']>;

export interface MeAnswer {
  status: number;
  /** The account the answer names (e-mail or id); undefined for a refusal or a guest's answer. */
  who?: string;
}

/** A refusal: one of the profile's refused statuses, or a 200 that names nobody (a guest's answer). */
export function isRefusal(answer: MeAnswer, refusedStatuses: number[]): boolean {
  return refusedStatuses.includes(answer.status) || (answer.status === 200 && answer.who === undefined);
}

/** How an answer reads in a message: "401", or "200 naming qa1@example.test", or "200 naming nobody". */
export function describeAnswer(answer: MeAnswer): string {
  return answer.status === 200 ? `200 naming ${answer.who ?? 'nobody'}` : String(answer.status);
}

async function read(response: APIResponse): Promise<ReadAnswer> {
  const text = await response.text().catch(() => '');
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { response, json };
}

function safeClaims(token: string): Record<string, unknown> {
  try {
    return decodeJwt(token);
  } catch {
    return {};
  }
}
