import type { Locator, Page } from 'playwright-core';
import { browserSecrets, saveScreenshot, signIn, startConsoleStack, type ConsolePage, type ConsoleStack } from './fixtures/console.fixture.js';

type Json = Record<string, unknown>;
// Canary keys: none may reach the DOM (but the Reveal dialog), a response (but the reveal's), or browser storage.
const CANARY = 'sk-canary-7b1f0c9e4d2a4e66a1c3d5f7e9b0a2c4';
const ROTATED = 'sk-canary-rotated-93e1d7c5b3a1f0e2d4c6b8a0';
const HEADER_CANARY = 'hdr-canary-5c7e9a1b3d5f7a9c1e3b5d7f';
const CANARIES = [CANARY, ROTATED, HEADER_CANARY];

/** The console's provider pages in Chromium against the whole stack and the mock upstream, as an admin and a member. */
describe('console: providers', () => {
  let fx: ConsoleStack;
  let admin: ConsolePage;
  const pages: ConsolePage[] = [];
  let providerId = '';

  beforeAll(async () => {
    fx = await startConsoleStack('console-providers');
    fx.mock.configure({ requiredKey: CANARY, models: ['gpt-mock', 'claude-mock'] });
    admin = await fx.newPage();
    pages.push(admin);
  }, 150_000);

  afterAll(async () => {
    for (const p of pages) await p.close().catch(() => undefined);
    await fx?.stop();
  });

  /** Nothing on the page holds a canary, in its markup or in the values of its inputs. */
  async function expectNoCanaryInDom(page: Page): Promise<void> {
    const markup = await page.content();
    const values = await page.locator('input').evaluateAll((inputs) => inputs.map((i) => (i as unknown as { value: string }).value).join('\n'));
    for (const canary of CANARIES) {
      expect(markup).not.toContain(canary);
      expect(values).not.toContain(canary);
    }
  }

  async function valueBecomes(input: Locator, value: string): Promise<void> {
    for (const started = Date.now(); Date.now() - started < 5_000; await new Promise((r) => setTimeout(r, 50))) {
      if ((await input.inputValue()) === value) return;
    }
    expect(await input.inputValue()).toBe(value);
  }

  /** The text of the elements a control's aria-describedby names (its hint and its error), once an error is there. */
  async function describedBy(control: Locator): Promise<string> {
    for (const started = Date.now(); Date.now() - started < 10_000; await new Promise((r) => setTimeout(r, 50))) {
      const ids = (await control.getAttribute('aria-describedby'))?.split(' ') ?? [];
      const error = ids.find((id) => id.endsWith('-error'));
      if (error !== undefined) return (await control.page().locator(`[id="${error}"]`).textContent()) ?? '';
    }
    return '(no error describes the control)';
  }

  it('serves the console at /console with a strict CSP, cache headers, and index.html for its routes', async () => {
    const index = await fetch(fx.consoleUrl);
    expect(index.status).toBe(200);
    const csp = index.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(index.headers.get('x-content-type-options')).toBe('nosniff');
    expect(index.headers.get('cache-control')).toBe('no-cache');
    const html = await index.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style|\sstyle=/);
    const script = /src="(\/console\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${fx.stack.gatewayUrl}${script}`);
    expect([asset.status, asset.headers.get('cache-control'), asset.headers.get('content-type')]).toEqual([200, 'public, max-age=31536000, immutable', 'text/javascript; charset=utf-8']);
    const deep = await fetch(`${fx.consoleUrl}/providers/prv_anything`);
    expect([deep.status, await deep.text()]).toEqual([200, html]);
    expect((await fetch(`${fx.consoleUrl}/assets/missing-0000.js`)).status).toBe(404);
  });

  it('tells any key who it is at GET /v1/me, which sign-in relies on', async () => {
    expect((await fx.admin.get<Json>('/v1/me')).body).toMatchObject({ tenantId: fx.tenantId, role: 'admin', agentId: null });
    const operator = await fx.admin.get<Json>('/v1/me', { key: fx.stack.operatorKey });
    expect([operator.status, operator.body['role'], operator.body['tenantId']]).toEqual([200, 'operator', null]);
    expect((await fx.admin.get('/v1/me', { key: 'sbk_not-a-key' })).status).toBe(401);
  });

  it('signs an admin in and creates a provider with a key; its models are discovered and the key is masked', async () => {
    const page = admin.page;
    await signIn(page, fx.consoleUrl, fx.admin.defaultKey as string);
    await page.getByRole('heading', { name: 'Providers', level: 1, exact: true }).waitFor();
    await page.getByRole('button', { name: 'New provider' }).click();
    await page.getByLabel('Name', { exact: true }).fill('mock-openai');
    await page.getByLabel('Type').selectOption('custom');
    await page.getByLabel('Endpoint').fill(`${fx.mock.baseUrl}/v1`);
    await page.getByLabel('Authentication').selectOption('bearer');
    await page.getByLabel('API key', { exact: true }).fill(CANARY);
    await page.getByLabel('Rate limit (RPM)').fill('600');
    await page.getByLabel('Monthly budget (USD)').fill('abc');
    await page.getByRole('button', { name: 'Save' }).click();
    // Checked before anything is sent, and shown beside the field.
    await page.getByText('must be a number of at least 0').waitFor();
    await page.getByLabel('Monthly budget (USD)').fill('50');
    await saveScreenshot(page, 'provider-form');
    await page.getByRole('button', { name: 'Save' }).click();

    await page.getByRole('heading', { name: 'mock-openai', level: 1, exact: true }).waitFor();
    providerId = /\/providers\/(prv_[A-Za-z0-9]+)/.exec(page.url())?.[1] ?? '';
    expect(providerId).not.toBe('');
    const models = page.getByRole('table', { name: 'Models of mock-openai' });
    await models.getByRole('cell', { name: 'gpt-mock', exact: true }).first().waitFor();
    await models.getByRole('cell', { name: 'claude-mock', exact: true }).first().waitFor();
    expect(await models.getByRole('cell', { name: 'discovered' }).count()).toBe(2);
    await page.getByText('valid', { exact: true }).first().waitFor();
    await page.getByText(CANARY.slice(-4)).first().waitFor();
    await expectNoCanaryInDom(page);
  });

  it('tests a model: latency when it answers, the upstream’s message when it does not', async () => {
    const page = admin.page;
    await page.getByRole('button', { name: 'Test gpt-mock' }).click();
    await page.getByText(/^OK · \d+ ms$/).waitFor();
    fx.mock.configure({ fault: { kind: 'status', status: 503 }, faultCount: 1 });
    await page.getByRole('button', { name: 'Test claude-mock' }).click();
    await page.getByText(/^Failed after \d+ ms: .+/).waitFor();
    await saveScreenshot(page, 'provider-detail');
  });

  it('reveals the key to an admin after a confirmation that says it is audited, and forgets it on close', async () => {
    const page = admin.page;
    await page.getByRole('button', { name: 'Reveal' }).click();
    const dialog = page.getByRole('dialog', { name: /Reveal the API key/ });
    await dialog.getByText('Revealing is audited').waitFor();
    await dialog.getByRole('button', { name: 'Reveal' }).click();
    expect(await dialog.getByLabel('Revealed API key').textContent()).toBe(CANARY);
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await expectNoCanaryInDom(page);
  });

  it('rotates the key by pasting a new one; later calls use it', async () => {
    const page = admin.page;
    fx.mock.configure({ requiredKey: ROTATED });
    await page.getByLabel('New API key').fill(ROTATED);
    await page.getByRole('button', { name: 'Rotate key' }).click();
    await page
      .getByText('Key rotated.')
      .waitFor()
      .catch(async (error: Error) => {
        await admin.settle();
        const calls = admin.responses.filter((r) => r.url.includes('/v1/')).slice(-8).map((r) => `${r.status} ${r.url}`);
        throw new Error(`${error.message}\nlast API answers:\n${calls.join('\n')}\npage text:\n${(await page.locator('main').innerText()).slice(0, 1500)}`);
      });
    await page.getByText(ROTATED.slice(-4)).first().waitFor();
    await page.getByRole('button', { name: 'Test gpt-mock' }).click();
    await page.getByText(/^OK · \d+ ms$/).waitFor();
    // The change is in the provider's history, newest first, as the API has it.
    const history = (await fx.admin.get<{ data: Json[] }>(`/v1/providers/${providerId}/history`)).body.data;
    const latest = history[history.length - 1];
    const rows = page.getByRole('table', { name: 'Changes, newest first' }).getByRole('row');
    await rows.nth(1).getByRole('cell', { name: String(latest?.['type']), exact: true }).waitFor();
    expect(await rows.count()).toBe(history.length + 1);
    await expectNoCanaryInDom(page);
  });

  it('says "changed by someone else" when the provider changed since the form was opened, and saves after a reload', async () => {
    const page = admin.page;
    await page.getByRole('button', { name: 'Edit' }).click();
    await page.getByLabel('Rate limit (RPM)').waitFor();
    const current = await fx.admin.get<Json>(`/v1/providers/${providerId}`);
    expect((await fx.admin.patch(`/v1/providers/${providerId}`, { defaultModel: 'gpt-mock' }, { headers: { 'if-match': current.headers.get('etag') ?? '' } })).status).toBe(200);
    await page.getByLabel('Rate limit (RPM)').fill('1200');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText(/Changed by someone else — reload/).waitFor();
    await page.getByRole('button', { name: 'Reload' }).click();
    await valueBecomes(page.getByLabel('Default model'), 'gpt-mock');
    await page.getByLabel('Rate limit (RPM)').fill('1200');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('heading', { name: 'mock-openai', level: 1, exact: true }).waitFor();
    expect((await fx.admin.get<Json>(`/v1/providers/${providerId}`)).body['rateLimitRpm']).toBe(1200);
  });

  it('edits custom headers in a map that refuses managed headers as they are typed', async () => {
    const page = admin.page;
    fx.mock.configure({ requiredKey: null });
    await page.goto(`${fx.consoleUrl}/providers/new`);
    await page.getByLabel('Name', { exact: true }).fill('mock-openai');
    await page.getByLabel('Type').selectOption('custom');
    await page.getByLabel('Endpoint').fill(`${fx.mock.baseUrl}/v1`);
    await page.getByLabel('Authentication').selectOption('custom_headers');
    await page.getByLabel('Header 1 name').fill('X-Api-Token');
    await page.getByLabel('Header 1 value').fill(HEADER_CANARY);
    await page.getByRole('button', { name: 'Save' }).click();
    // The API's 409 names the field: its message is shown under Name, and Name is described by it.
    expect(await describedBy(page.getByLabel('Name', { exact: true }))).toBe('a provider named mock-openai already exists in the tenant');
    await page.getByLabel('Name', { exact: true }).fill('mock-headers');
    await page.getByLabel('Header 1 name').fill('Host');
    await page.getByText('Host is set by Switchboard on every upstream call and cannot be sent').waitFor();
    await page.getByLabel('Header 1 name').fill('Transfer-Encoding');
    await page.getByText('Transfer-Encoding is set by Switchboard').waitFor();
    await page.getByLabel('Header 1 name').fill('X-Api-Token');
    await page.getByLabel('Header 1 value').fill(HEADER_CANARY);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('heading', { name: 'mock-headers', level: 1, exact: true }).waitFor();
    await page.getByRole('table', { name: 'Models of mock-headers' }).getByRole('cell', { name: 'gpt-mock', exact: true }).first().waitFor();
    await expectNoCanaryInDom(page);
  });

  it('refuses to delete a provider agents use, listing them; previews and deletes one no agent uses', async () => {
    const page = admin.page;
    const agent = await fx.admin.post<Json>('/v1/agents', { name: 'support-bot', providerId, model: 'gpt-mock' });
    expect(agent.status).toBe(201);

    await page.getByRole('link', { name: 'Providers' }).click();
    const list = page.getByRole('table', { name: 'Providers of this tenant' });
    await list.getByRole('link', { name: 'mock-headers' }).waitFor();
    await list.getByRole('meter', { name: 'Budget of mock-openai' }).waitFor();
    await saveScreenshot(page, 'providers-list');

    await list.getByRole('link', { name: 'mock-openai' }).click();
    await page.getByRole('button', { name: 'Delete' }).click();
    const blocked = page.getByRole('dialog', { name: 'Delete mock-openai?' });
    await blocked.getByText('It cannot be deleted while agents use it.').waitFor();
    await blocked.getByRole('list', { name: 'Agents using this provider' }).getByText(`support-bot (${agent.body.id as string})`).waitFor();
    expect(await blocked.getByRole('button', { name: 'Delete' }).count()).toBe(0);
    await blocked.getByRole('button', { name: 'Close' }).click();

    await page.getByRole('link', { name: 'Providers' }).click();
    await list.getByRole('link', { name: 'mock-headers' }).click();
    await page.getByRole('button', { name: 'Delete' }).click();
    const preview = page.getByRole('dialog', { name: 'Delete mock-headers?' });
    const doomed = preview.getByRole('list', { name: 'Models deleted with it' });
    await doomed.getByText('gpt-mock').waitFor();
    await doomed.getByText('claude-mock').waitFor();
    await preview.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('heading', { name: 'Providers', level: 1, exact: true }).waitFor();
    await list.getByRole('link', { name: 'mock-headers' }).waitFor({ state: 'detached' });
    await list.getByRole('link', { name: 'mock-openai' }).waitFor();
    expect((await fx.admin.get<Json>('/v1/providers')).body['data']).toHaveLength(1);
  });

  it('shows a member everything read-only, and the API refuses the member a reveal', async () => {
    const member = await fx.newPage();
    pages.push(member);
    const page = member.page;
    await signIn(page, fx.consoleUrl, await fx.memberKey());
    await page.getByText('Member (read-only)').waitFor();
    await page.getByRole('table', { name: 'Providers of this tenant' }).getByRole('link', { name: 'mock-openai' }).click();
    await page.getByRole('table', { name: 'Models of mock-openai' }).getByRole('cell', { name: 'gpt-mock', exact: true }).first().waitFor();
    await page.getByRole('table', { name: 'Changes, newest first' }).waitFor();
    for (const action of ['New provider', 'Edit', 'Delete', 'Test', 'Rotate key', 'Discover models', 'Save']) {
      expect([action, await page.getByRole('button', { name: action }).count()]).toEqual([action, 0]);
    }
    await page.getByRole('button', { name: 'Reveal' }).click();
    const dialog = page.getByRole('dialog', { name: /Reveal the API key/ });
    await dialog.getByRole('button', { name: 'Reveal' }).click();
    await dialog.getByText(/^Refused: only an admin key may do this/).waitFor();
    await dialog.getByRole('button', { name: 'Close' }).click();
    await expectNoCanaryInDom(page);
  });

  it('refuses an agent key at sign-in, saying why', async () => {
    const agents = (await fx.admin.get<{ data: Json[] }>('/v1/agents')).body.data;
    const key = await fx.admin.post<Json>('/v1/keys', { name: 'bot-key', role: 'agent', agentId: agents[0]?.['id'] });
    expect(key.status).toBe(201);
    const visitor = await fx.newPage();
    pages.push(visitor);
    await visitor.page.goto(fx.consoleUrl);
    // By keyboard alone: Tab reaches the field, Enter submits the form.
    await visitor.page.getByRole('button', { name: 'Sign in' }).waitFor();
    await visitor.page.keyboard.press('Tab');
    expect(await visitor.page.evaluate('document.activeElement.getAttribute("name")')).toBe('access-key');
    await visitor.page.keyboard.type(key.body['key'] as string);
    await visitor.page.keyboard.press('Enter');
    await visitor.page.getByText('Agent keys can only call the proxy routes. Sign in with an admin or member key.').waitFor();
    expect(await visitor.page.getByRole('button', { name: 'Sign out' }).count()).toBe(0);
  });

  it('never let a canary key reach a response outside Reveal, or browser storage and cookies', async () => {
    let revealed = 0;
    for (const p of pages) {
      await p.settle();
      for (const response of p.responses) {
        const leaked = CANARIES.filter((c) => response.body.includes(c));
        if (/\/v1\/secrets\/[^/]+\/reveal$/.test(response.url)) {
          revealed += leaked.length;
          continue;
        }
        expect([response.url, leaked]).toEqual([response.url, []]);
      }
      const stored = await browserSecrets(p.page);
      for (const canary of CANARIES) expect(stored).not.toContain(canary);
    }
    // The admin's reveal is the one response that carried a canary.
    expect(revealed).toBe(1);
    expect(admin.responses.length).toBeGreaterThan(20);
  });
});
