// JSON schemas of the API: they validate requests, shape responses and make up /openapi.json.
export const errorSchema = {
  $id: 'Error',
  type: 'object',
  required: ['error', 'message'],
  properties: { error: { type: 'string' }, message: { type: 'string' } },
} as const;

const error = { $ref: 'Error#' };
export const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, error]));

const timestamp = { type: 'string', format: 'date-time' } as const;
const nullableTimestamp = { type: ['string', 'null'], format: 'date-time' } as const;

/** The OpenAPI security requirement of a protected route, for the server's auth mode. */
export const securedBy = (mode: 'bearer' | 'cookie'): Record<string, string[]>[] => [mode === 'cookie' ? { cookieAuth: [] } : { bearerAuth: [] }];

export const tokenPair = {
  type: 'object',
  required: ['token_type', 'expires_in'],
  properties: {
    access_token: { type: 'string' },
    refresh_token: { type: 'string' },
    token_type: { type: 'string' },
    expires_in: { type: 'integer' },
  },
} as const;

export const userProfile = {
  type: 'object',
  required: ['id', 'email', 'full_name', 'roles', 'created_at', 'last_login_at'],
  properties: {
    id: { type: 'integer' },
    email: { type: 'string' },
    full_name: { type: 'string' },
    roles: { type: 'array', items: { type: 'string' } },
    created_at: timestamp,
    last_login_at: nullableTimestamp,
  },
} as const;

export const dashboard = {
  type: 'object',
  required: ['conversations', 'messages', 'sms_messages', 'refreshed_at'],
  properties: {
    conversations: { type: 'integer' },
    messages: { type: 'integer' },
    sms_messages: { type: 'integer' },
    refreshed_at: timestamp,
  },
} as const;

export const conversationList = {
  type: 'object',
  required: ['items', 'total'],
  properties: {
    total: { type: 'integer' },
    items: {
      type: 'array',
      items: {
        type: 'object',
        required: ['conversation_id', 'title', 'status', 'message_count', 'updated_at'],
        properties: {
          conversation_id: { type: 'string', format: 'uuid' },
          title: { type: 'string' },
          status: { type: 'string' },
          message_count: { type: 'integer' },
          updated_at: timestamp,
        },
      },
    },
  },
} as const;

export const conversation = {
  type: 'object',
  required: ['conversation_id', 'title', 'status', 'created_at', 'messages'],
  properties: {
    conversation_id: { type: 'string', format: 'uuid' },
    title: { type: 'string' },
    status: { type: 'string' },
    created_at: timestamp,
    messages: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'role', 'content', 'created_at'],
        properties: { id: { type: 'integer' }, role: { type: 'string' }, content: { type: 'string' }, created_at: timestamp },
      },
    },
  },
} as const;

export const oauthProviders = {
  type: 'object',
  required: ['providers'],
  properties: {
    providers: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'display_name', 'connected'],
        properties: { name: { type: 'string' }, display_name: { type: 'string' }, connected: { type: 'boolean' } },
      },
    },
  },
} as const;

export const smsUsage = {
  type: 'object',
  required: ['total', 'inbound', 'outbound', 'total_cost_cents', 'by_day'],
  properties: {
    total: { type: 'integer' },
    inbound: { type: 'integer' },
    outbound: { type: 'integer' },
    total_cost_cents: { type: 'integer' },
    by_day: {
      type: 'array',
      items: { type: 'object', required: ['day', 'count'], properties: { day: { type: 'string', format: 'date' }, count: { type: 'integer' } } },
    },
  },
} as const;

export const adminUsers = {
  type: 'object',
  required: ['items', 'total'],
  properties: {
    total: { type: 'integer' },
    items: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'email', 'roles'],
        properties: { id: { type: 'integer' }, email: { type: 'string' }, roles: { type: 'array', items: { type: 'string' } } },
      },
    },
  },
} as const;
