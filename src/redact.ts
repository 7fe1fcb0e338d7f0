// Secrets never reach reports, logs or traces. A Redactor knows the secret values of a run
// (passwords, the database password) and the shapes of the rest (JWTs, bearer tokens,
// passwords inside connection strings, refresh tokens in JSON).
export const mask = '[REDACTED]';

const patterns: RegExp[] = [
  // JWTs: three base64url parts, the first a JSON header ({"… → eyJ).
  /eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g,
  /(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi,
  /(postgres(?:ql)?:\/\/[^:/@\s]+:)[^@\s]+(@)/gi,
  // …also inside JSON that is itself a JSON string (a request body in a Playwright trace: \"refresh_token\":\"…\").
  /(\\?"(?:refresh_token|access_token|password|token)\\?"\s*:\s*\\?")[^"\\]+(\\?")/gi,
  /((?:pa_access|pa_refresh|refresh_token|access_token)=)[^;\s&"]+/gi,
];

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The values of JSON fields and cookies with these names (the target's own token fields). */
function namedPatterns(names: string[]): RegExp[] {
  if (!names.length) return [];
  const alternatives = names.map(escapeRegExp).join('|');
  return [
    new RegExp(`(\\\\?"(?:${alternatives})\\\\?"\\s*:\\s*\\\\?")[^"\\\\]+(\\\\?")`, 'g'),
    new RegExp(`((?:^|[\\s;,&?"])(?:${alternatives})=)[^;\\s&"]+`, 'g'),
  ];
}

export class Redactor {
  private readonly values: string[];
  private readonly names: string[];
  private readonly patterns: RegExp[];

  /**
   * @param secrets values that must never appear (passwords, the database password)
   * @param secretNames JSON fields and cookies whose values are secret (the profile's token fields)
   */
  constructor(secrets: Iterable<string>, secretNames: Iterable<string> = []) {
    // Longest first, so a secret that contains another is replaced whole.
    this.values = [...new Set([...secrets].filter((s) => s && s.length >= 4))].sort((a, b) => b.length - a.length);
    this.names = [...new Set([...secretNames].filter(Boolean))];
    this.patterns = [...patterns, ...namedPatterns(this.names)];
  }

  with(more: Iterable<string>, moreNames: Iterable<string> = []): Redactor {
    return new Redactor([...this.values, ...more], [...this.names, ...moreNames]);
  }

  scrub(text: string): string {
    let out = text;
    for (const value of this.values) {
      out = out.split(value).join(mask);
      const encoded = encodeURIComponent(value);
      if (encoded !== value) out = out.split(encoded).join(mask);
    }
    for (const pattern of this.patterns) {
      out = out.replace(pattern, (...m: string[]) => {
        const groups = m.slice(1, -2).filter((g) => typeof g === 'string');
        return groups.length >= 1 ? `${groups[0]}${mask}${groups[1] ?? ''}` : mask;
      });
    }
    return out;
  }

  /** True when text still holds a known secret value or a token shape. */
  leaks(text: string): string[] {
    const found = this.values.filter((v) => text.includes(v)).map((v) => `${v.slice(0, 2)}… (a configured secret)`);
    if (/eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{10,}/.test(text)) found.push('a JWT');
    return found;
  }
}
