// The target's API as its OpenAPI document describes it: the protected GET operations (a
// non-empty `security` that does not allow anonymous calls), their 200 response schemas compiled
// with Ajv (OpenAPI 3.1 schemas are JSON Schema 2020-12), and sample values for path parameters.
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { APIRequestContext } from '@playwright/test';
import type { z } from 'zod';

export interface ProtectedEndpoint {
  /** The path as documented, e.g. /api/v1/chat/conversations/{conversation_id}. */
  path: string;
  from: 'openapi' | 'profile';
  /** JSON pointer of the 200 response's JSON schema in the document. */
  schemaPointer?: string;
  /** A zod schema the profile gives: it overrides the document's. */
  zod?: z.ZodType;
}

type Json = Record<string, any>;

const escapePointer = (token: string) => token.replace(/~/g, '~0').replace(/\//g, '~1');
const unescapePointer = (token: string) => token.replace(/~1/g, '/').replace(/~0/g, '~');

function atPointer(doc: Json, pointer: string): any {
  return pointer.split('/').slice(1).reduce<any>((node, token) => node?.[unescapePointer(decodeURIComponent(token))], doc);
}

/** Follows a local $ref (e.g. a response in components/responses) to the object and its pointer. */
function deref(doc: Json, node: any, pointer: string): { node: any; pointer: string } {
  for (let hops = 0; node && typeof node.$ref === 'string' && node.$ref.startsWith('#/') && hops < 10; hops++) {
    pointer = node.$ref.slice(1);
    node = atPointer(doc, pointer);
  }
  return { node, pointer };
}

/** Security requirements that need credentials: non-empty, and none of them empty ({} allows anonymous calls). */
function requiresCredentials(security: unknown): boolean {
  return Array.isArray(security) && security.length > 0 && security.every((req) => req && typeof req === 'object' && Object.keys(req).length > 0);
}

/** Every GET operation of the document that requires credentials, with its 200 JSON schema's pointer. */
export function securedGetOperations(doc: Json): ProtectedEndpoint[] {
  const found: ProtectedEndpoint[] = [];
  for (const [path, item] of Object.entries<Json>(doc.paths ?? {})) {
    const operation = item?.get;
    if (!operation) continue;
    if (!requiresCredentials(operation.security ?? doc.security)) continue;
    const responsesPointer = `/paths/${escapePointer(path)}/get/responses`;
    const status = ['200', '2XX', 'default'].find((s) => operation.responses?.[s]);
    let schemaPointer: string | undefined;
    if (status) {
      const response = deref(doc, operation.responses[status], `${responsesPointer}/${status}`);
      const mediaType = Object.keys(response.node?.content ?? {}).find((m) => /^application\/([\w.+-]+\+)?json\b/i.test(m));
      if (mediaType && response.node.content[mediaType].schema) schemaPointer = `${response.pointer}/content/${escapePointer(mediaType)}/schema`;
    }
    found.push({ path, from: 'openapi', schemaPointer });
  }
  return found;
}

/**
 * Keywords OpenAPI adds to schemas that JSON Schema does not know are dropped (`example`,
 * `xml`, `externalDocs`, `discriminator`), and OpenAPI 3.0's `nullable` becomes a null type.
 */
function normalized(node: any): any {
  if (Array.isArray(node)) return node.map(normalized);
  if (!node || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) {
    if (['example', 'xml', 'externalDocs', 'discriminator'].includes(key)) continue;
    out[key] = normalized(value);
  }
  if (out.nullable === true) {
    delete out.nullable;
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
  }
  return out;
}

export interface Validation {
  ok: boolean;
  errors: string[];
}

/** Validates bodies against the document's schemas, resolving its internal $refs. */
export class ResponseValidator {
  private readonly ajv: InstanceType<typeof Ajv2020>;
  private static readonly id = 'https://verity.invalid/openapi.json';

  constructor(doc: Json) {
    // strict: false ignores keywords JSON Schema does not define; the document itself is not a schema.
    this.ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false, validateFormats: true });
    addFormats(this.ajv);
    const { $schema: _ignored, ...rest } = normalized(doc);
    this.ajv.addSchema({ ...rest, $id: ResponseValidator.id });
  }

  validate(pointer: string, body: unknown): Validation {
    const ref = `${ResponseValidator.id}#${pointer.split('/').map(encodeURIComponent).join('/')}`;
    const check = this.ajv.getSchema(ref) ?? this.ajv.compile({ $ref: ref });
    const ok = check(body) as boolean;
    return { ok, errors: (check.errors ?? []).map((e) => `${e.instancePath || '(body)'} ${e.message}`) };
  }
}

export function validateWithZod(schema: z.ZodType, body: unknown): Validation {
  const parsed = schema.safeParse(body);
  return parsed.success ? { ok: true, errors: [] } : { ok: false, errors: parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'} ${i.message}`) };
}

/** The names of a path's parameters: /a/{x}/b/{y} → [x, y]. */
export function pathParameters(path: string): string[] {
  return [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
}

export function fillPath(path: string, values: Record<string, string>): string {
  return path.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(values[name] ?? name));
}

/** The path of one item: its one parameter, e.g. /conversations/{id}, given the item's id. */
export function itemPath(path: string, id: string): string {
  return fillPath(path, Object.fromEntries(pathParameters(path).map((name) => [name, id])));
}

/**
 * A sample value for a path parameter, from the profile's api.sampleIds: a literal, or
 * 'from:/list/path#items.0.field' (GET the list with the session, follow the dotted path).
 */
export async function resolveSample(
  spec: string,
  api: APIRequestContext,
  headers: Record<string, string>,
  /** A body this caller already got from the list path (it is not fetched again). */
  known?: (path: string) => unknown,
): Promise<{ value?: string; detail: string }> {
  if (!spec.startsWith('from:')) return { value: spec, detail: 'a literal sample from the profile' };
  const [listPath = '', dotted = ''] = spec.slice('from:'.length).split('#');
  let body = known?.(listPath);
  if (body === undefined) {
    const response = await api.get(listPath, { headers });
    if (response.status() !== 200) return { detail: `GET ${listPath} answered ${response.status()}` };
    body = await response.json().catch(() => undefined);
  }
  const value = dotted.split('.').filter(Boolean).reduce<any>((node, key) => node?.[key], body);
  if (value === undefined || value === null || typeof value === 'object') return { detail: `GET ${listPath} has no value at ${dotted}` };
  return { value: String(value), detail: `from GET ${listPath} at ${dotted}` };
}

/** Where lists usually keep their items: the body itself, or one of these members. */
const listEnvelopes = ['', 'data', 'items', 'results', 'content', 'records', 'rows'];

/**
 * Where a path parameter's sample may come from when the profile gives none: the list the path
 * sits under (/users/{id} → GET /users), its first item, in the body or a common envelope, and that
 * item's field of the parameter's name, or its id.
 */
export function discoveredSampleSpecs(path: string, name: string): string[] {
  const at = path.indexOf(`{${name}}`);
  const listPath = path.slice(0, at).replace(/\/$/, '');
  if (!listPath || pathParameters(listPath).length) return [];
  const fields = [...new Set([name, 'id'])];
  return listEnvelopes.flatMap((envelope) => fields.map((field) => `from:${listPath}#${envelope ? `${envelope}.` : ''}0.${field}`));
}

/** A media type that carries JSON: application/json, or any application/*+json (health+json, problem+json, …). */
export function isJsonMediaType(contentType: string): boolean {
  return /^\s*application\/([\w.-]+\+)?json\s*(;|$)/i.test(contentType);
}

/**
 * Whether a documented path matches a profile pattern: a regular expression when the pattern
 * starts with ^, otherwise a glob where `*` is any text within one segment and `**` any text.
 */
export function pathMatches(pattern: string, path: string): boolean {
  if (pattern.startsWith('^')) return new RegExp(pattern).test(path);
  const source = pattern
    .split(/(\*\*|\*|\?)/)
    .map((part) => (part === '**' ? '.*' : part === '*' ? '[^/]*' : part === '?' ? '[^/]' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`).test(path);
}

/** The endpoints the profile's app.api.include (when any) and app.api.exclude leave. */
export function selectEndpoints<T extends { path: string }>(endpoints: T[], include: string[], exclude: string[]): T[] {
  return endpoints.filter((e) => (!include.length || include.some((p) => pathMatches(p, e.path))) && !exclude.some((p) => pathMatches(p, e.path)));
}
