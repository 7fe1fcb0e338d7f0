// Signing in, refreshing and signing out through the target's API, for either token transport.
// Each session gets its own request context (its own cookie jar), so sessions never mix, and
// every session opened here is signed out when the test ends.
import { request as playwrightRequest, type APIRequestContext, type APIResponse } from '@playwright/test';
import { decodeJwt } from 'jose';
import type { Profile } from '../../src/profile.ts';
import type { Account as TargetAccount } from '../../src/target.ts';
import { registerSecrets } from './secrets.ts';

export type Transport = 'bearer' | 'cookie';
export type AuthSettings = NonNullable<Profile['app']['auth']>;

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
  /** The token's subject: the user's id as the server sees it. */
  userId?: string;
}

export class AuthApi {
  private readonly opened: Session[] = [];

  constructor(
    private readonly baseURL: string,
    readonly settings: AuthSettings,
    readonly transport: Transport,
  ) {}

  /** A request context of its own: no cookies, no session. */
  newContext(): Promise<APIRequestContext> {
    return playwrightRequest.newContext({ baseURL: this.baseURL });
  }

  async loginResponse(account: Account, api?: APIRequestContext): Promise<{ api: APIRequestContext; response: APIResponse }> {
    const context = api ?? (await this.newContext());
    const response = await context.post(this.settings.loginPath, {
      data: { [this.settings.emailField]: account.email, [this.settings.passwordField]: account.password },
    });
    return { api: context, response };
  }

  /** Signs in through the API; throws with the status when the target refuses. */
  async login(account: Account): Promise<Session> {
    const { api, response } = await this.loginResponse(account);
    if (!response.ok()) {
      const text = await response.text().catch(() => '');
      await api.dispose();
      throw new Error(`login of ${account.email} answered ${response.status()}: ${text.slice(0, 200)}`);
    }
    const session = await this.sessionFrom(account, api, response);
    this.opened.push(session);
    return session;
  }

  /** Exchanges the session's refresh token; on success the session holds the new pair. */
  async refresh(session: Session): Promise<APIResponse> {
    const data = this.transport === 'bearer' ? { [this.settings.refreshTokenField]: session.refreshToken } : {};
    const response = await session.api.post(this.settings.refreshPath, { data });
    if (response.ok()) Object.assign(session, await this.sessionFrom(session.account, session.api, response));
    return response;
  }

  /** Presents a given refresh token (e.g. one already used), outside any session's jar. */
  async presentRefreshToken(token: string): Promise<APIResponse> {
    const api = await this.newContext();
    try {
      const response = this.transport === 'bearer'
        ? await api.post(this.settings.refreshPath, { data: { [this.settings.refreshTokenField]: token } })
        : await api.post(this.settings.refreshPath, { data: {}, headers: { cookie: `${this.settings.refreshCookie}=${token}` } });
      await response.body();
      return response;
    } finally {
      await api.dispose();
    }
  }

  async logout(session: Session): Promise<APIResponse> {
    return session.api.post(this.settings.logoutPath, { headers: this.authHeaders(session) });
  }

  /** Headers that authenticate a request made with the session's own context (in cookie mode its jar does). */
  authHeaders(session: Session): Record<string, string> {
    return this.transport === 'bearer' ? { authorization: `Bearer ${session.accessToken}` } : {};
  }

  /** GET with a given access token (or none) from a clean context: nothing else authenticates it. */
  async getWithToken(path: string, accessToken: string | undefined): Promise<APIResponse> {
    const api = await this.newContext();
    try {
      const headers: Record<string, string> = {};
      if (accessToken && this.transport === 'bearer') headers.authorization = `Bearer ${accessToken}`;
      if (accessToken && this.transport === 'cookie') headers.cookie = `${this.settings.accessCookie}=${accessToken}`;
      const response = await api.get(path, { headers });
      await response.body();
      return response;
    } finally {
      await api.dispose();
    }
  }

  /** Signs out and disposes every session this test opened; what the target refuses is ignored. */
  async closeAll(): Promise<void> {
    for (const session of this.opened.splice(0)) {
      await this.logout(session).catch(() => undefined);
      await session.api.dispose().catch(() => undefined);
    }
  }

  private async sessionFrom(account: Account, api: APIRequestContext, response: APIResponse): Promise<Session> {
    let accessToken: string | undefined;
    let refreshToken: string | undefined;
    if (this.transport === 'bearer') {
      const body = await response.json();
      accessToken = body[this.settings.accessTokenField];
      refreshToken = body[this.settings.refreshTokenField];
    } else {
      const cookies = (await api.storageState()).cookies;
      accessToken = cookies.find((c) => c.name === this.settings.accessCookie)?.value;
      refreshToken = cookies.find((c) => c.name === this.settings.refreshCookie)?.value;
    }
    // Before anything can print them: the redacting reporter masks what it is told (an opaque refresh token has no shape).
    await registerSecrets(accessToken, refreshToken, ...(this.transport === 'cookie' ? (await api.storageState()).cookies.map((c) => c.value) : []));
    if (!accessToken) throw new Error(`the ${this.transport} login of ${account.email} gave no access token`);
    const claims = safeClaims(accessToken);
    const sid = claims[this.settings.sessionClaim];
    return { account, api, accessToken, refreshToken, sessionId: sid === undefined ? undefined : String(sid), userId: claims.sub === undefined ? undefined : String(claims.sub) };
  }
}

function safeClaims(token: string): Record<string, unknown> {
  try {
    return decodeJwt(token);
  } catch {
    return {};
  }
}
