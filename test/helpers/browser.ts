/**
 * A minimal browser for tests: keeps cookies, follows redirects on the server, and fills in the
 * login and consent forms the way a person would (by their input names, DESIGN.md §7).
 */
export interface SignInOptions {
  username?: string;
  password?: string;
  decision?: 'allow' | 'deny';
}

export interface Page {
  status: number;
  url: string;
  html: string;
  headers: Headers;
}

export class Browser {
  readonly cookies = new Map<string, string>();

  /**
   * `headers` go with every request (a user agent, a forwarded address). `publicIssuer` is the
   * issuer the server was configured with when it differs from where it listens (an https issuer
   * in tests): URLs under it are sent to `issuer`.
   */
  constructor(
    private readonly issuer: string,
    private readonly headers: Record<string, string> = {},
    private readonly publicIssuer?: string,
  ) {}

  private onServer(url: string): boolean {
    return url.startsWith(this.issuer + '/') || (this.publicIssuer !== undefined && url.startsWith(this.publicIssuer + '/'));
  }

  private remember(headers: Headers): void {
    for (const line of headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (attrs.some((a) => /max-age=0/i.test(a.trim())) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  async request(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers({ ...this.headers, ...Object.fromEntries(new Headers(init.headers)) });
    if (this.cookies.size > 0) headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const target = this.publicIssuer !== undefined && url.startsWith(this.publicIssuer + '/') ? this.issuer + url.slice(this.publicIssuer.length) : url;
    const response = await fetch(target, { ...init, headers, redirect: 'manual' });
    this.remember(response.headers);
    return response;
  }

  /** GETs a URL and follows redirects while they stay on the server. Returns the page, or the URL that leaves the server. */
  async visit(url: string, init: RequestInit = {}): Promise<Page | { leftTo: string }> {
    let response = await this.request(url, init);
    let current = url;
    for (let hops = 0; hops < 10; hops++) {
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || !location) {
        return { status: response.status, url: current, html: await response.text(), headers: response.headers };
      }
      const next = new URL(location, current).href;
      if (!this.onServer(next)) return { leftTo: next };
      current = next;
      response = await this.request(next);
    }
    throw new Error('too many redirects');
  }

  /** Submits a form of the page (the first, or the one whose action ends with `actionEnd`) with these fields. */
  async submit(page: Page, fields: Record<string, string>, actionEnd?: string): Promise<Page | { leftTo: string }> {
    const form = formOf(page.html, actionEnd);
    const body = new URLSearchParams({ ...form.hidden, ...fields });
    return this.visit(new URL(form.action, page.url).href, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: body.toString(),
    });
  }

  /** Runs an authorization request to its end: the redirect back to the client (its URL). */
  async authorize(authorizationUrl: string, options: SignInOptions = {}): Promise<URL> {
    let step = await this.visit(authorizationUrl);
    for (let i = 0; i < 5; i++) {
      if ('leftTo' in step) return new URL(step.leftTo);
      if (/name="password"/.test(step.html)) {
        const refused = /<p class="error"[^>]*>([^<]*)<\/p>/.exec(step.html);
        if (refused) throw new Error(`login refused: ${refused[1]}`);
        if (options.username === undefined) throw new Error('login page shown but no credentials given');
        step = await this.submit(step, { username: options.username, password: options.password ?? '' });
      } else if (/name="decision"/.test(step.html)) {
        step = await this.submit(step, { decision: options.decision ?? 'allow' });
      } else {
        throw new Error(`unexpected page (${step.status}): ${textOf(step.html)}`);
      }
    }
    throw new Error('authorization did not finish');
  }
}

/** The page a step ended on; fails the test if the browser left the server instead. */
export function isPage(step: Page | { leftTo: string }): Page {
  if ('leftTo' in step) throw new Error(`expected a page, left to ${step.leftTo}`);
  return step;
}

export function formOf(html: string, actionEnd?: string): { action: string; hidden: Record<string, string> } {
  const forms = [...html.matchAll(/<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/g)];
  const form = actionEnd === undefined ? forms[0] : forms.find((f) => decodeEntities(f[1]!).endsWith(actionEnd));
  if (form === undefined) throw new Error(`no form${actionEnd ? ` for ${actionEnd}` : ''} on page: ${textOf(html)}`);
  const action = form[1]!;
  const hidden: Record<string, string> = {};
  for (const m of form[2]!.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) hidden[m[1]!] = decodeEntities(m[2]!);
  return { action: decodeEntities(action), hidden };
}

function decodeEntities(s: string): string {
  return s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

export function textOf(html: string): string {
  return html.replace(/<style[\s\S]*?<\/style>/g, '').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim();
}
