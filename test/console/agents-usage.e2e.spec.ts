import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import OpenAI from 'openai';
import type { Locator, Page } from 'playwright-core';
import { generateRecipientKeyPair } from '@switchboard/sealing';
import { eventually, readStreamMessages } from '@switchboard/testing';
import { SCREENSHOT_DIR, browserSecrets, saveScreenshot, signIn, startConsoleStack, type ConsolePage, type ConsoleStack } from './fixtures/console.fixture.js';

type Json = Record<string, unknown>;

/** The provider's upstream key: it must reach the upstream and nothing the browser sees. */
const CANARY = `sk-canary-${randomBytes(12).toString('hex')}`;
/** A secret's value typed into the console: write-only, so never shown back. */
const SECRET_VALUE = `sk-written-${randomBytes(12).toString('hex')}`;
/** Output at 2 USD per million tokens, input free: a call with max_tokens = 1000 costs exactly 0.002 USD. */
const MAX_TOKENS = 1000;
const CALL_COST = 0.002;
const today = () => new Date().toISOString().slice(0, 10);
const formatInt = (n: number) => new Intl.NumberFormat('en-US').format(n);

/** The <dd> after the <dt> that names it, in a <dl>. */
const fact = (list: Locator, name: string) => list.locator(`dt:text-is("${name}") + dd`);
/** The text once `accept` takes it, or the last one read (for the assertion after it to show). */
const textWhen = (locator: Locator, accept: (text: string) => boolean = () => true, timeoutMs = 10_000) =>
  eventually(async () => (await locator.textContent({ timeout: timeoutMs })) ?? '', accept, timeoutMs);
const attributeWhen = (locator: Locator, name: string, accept: (value: string) => boolean, timeoutMs = 10_000) =>
  eventually(async () => (await locator.getAttribute(name, { timeout: timeoutMs })) ?? '', accept, timeoutMs);

/**
 * Agents, usage, budgets and keys in the console, on the whole stack with the mock upstream: an agent created in
 * the browser, its key created (shown once) and revoked there, proxied calls with the official openai client seen on
 * the usage chart, its table and the agent's statistics, and a budget set in the browser, spent and shown exhausted.
 */
describe('console: agents, usage, budgets and keys', () => {
  let fx: ConsoleStack;
  let cp: ConsolePage;
  let page: Page;
  let providerId: string;
  let agentId: string;
  let agentKey: string;
  /** The DOM at every step, searched for secrets at the end. */
  const doms: string[] = [];
  const upstreamAnswers: string[] = [];

  const snapshot = async () => void doms.push(await page.content());
  const nav = (name: string) => page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name, exact: true }).click();
  const openai = (key: string) => new OpenAI({ apiKey: key, baseURL: `${fx.stack.gatewayUrl}/v1`, maxRetries: 0 });
  const ask = async (key: string) => {
    const answer = await openai(key).chat.completions.create({ model: 'metered', messages: [{ role: 'user', content: 'count to three' }], max_tokens: MAX_TOKENS });
    upstreamAnswers.push(JSON.stringify(answer));
    return answer;
  };

  beforeAll(async () => {
    fx = await startConsoleStack('console-agents');
    const provider = await fx.admin.post<Json>('/v1/providers', { name: 'console-openai', type: 'custom', endpoint: `${fx.mock.baseUrl}/v1`, apiKey: CANARY });
    expect(provider.status).toBe(201);
    providerId = provider.body['id'] as string;
    const model = await fx.admin.post(`/v1/providers/${providerId}/models`, { name: 'metered', upstreamModel: 'gpt-mock', inputUsdPerMTok: 0, outputUsdPerMTok: 2 });
    expect(model.status).toBe(201);
    const recipient = await fx.admin.post('/v1/recipients', { name: 'orchestrator', publicKey: generateRecipientKeyPair().publicKey });
    expect(recipient.status).toBe(201);
    cp = await fx.newPage();
    page = cp.page;
    await cp.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: fx.stack.gatewayUrl });
  }, 150_000);

  afterAll(async () => {
    await cp?.close();
    await fx?.stop();
  });

  it('creates an agent with the provider and model picked from the API, naming the field the API refuses', async () => {
    await signIn(page, fx.consoleUrl, fx.admin.defaultKey as string, '/agents');
    await page.getByRole('link', { name: 'New agent' }).click();
    const form = page.getByRole('form', { name: 'New agent' });
    await form.getByLabel('Provider', { exact: true }).selectOption({ label: 'console-openai (custom)' });
    await form.getByLabel('Model', { exact: true }).locator('option[value="metered"]').waitFor({ state: 'attached' });
    await form.getByLabel('Model', { exact: true }).selectOption('metered');
    await form.getByLabel('Delivery').selectOption('proxy');

    // No name: the API's 400 is shown beside the Name field.
    await form.getByRole('button', { name: 'Create agent' }).click();
    expect(await attributeWhen(form.getByLabel('Name'), 'aria-invalid', (v) => v === 'true')).toBe('true');

    await form.getByLabel('Name').fill('console-bot');
    await form.getByRole('button', { name: 'Create agent' }).click();
    await page.getByRole('heading', { name: 'Agent console-bot' }).waitFor();
    agentId = /\/agents\/([^/?#]+)$/.exec(page.url())?.[1] ?? '';
    const agent = await fx.admin.get<Json>(`/v1/agents/${agentId}`);
    expect(agent.body).toMatchObject({ name: 'console-bot', providerId, model: 'metered', delivery: 'proxy', monthlyBudgetUsd: null });
    await nav('Agents');
    await page.getByRole('table', { name: 'Agents' }).getByRole('link', { name: 'console-bot' }).waitFor();
    await snapshot();
    await saveScreenshot(page, 'agents-list');
  });

  it('creates an agent key shown once, with a copy button', async () => {
    await nav('Keys and secrets');
    const form = page.getByRole('form', { name: 'New key' });
    await form.getByLabel('Name').fill('bot-key');
    await form.getByLabel('Role').selectOption('agent');
    await form.getByLabel('Agent').selectOption({ label: 'console-bot' });
    await form.getByRole('button', { name: 'Create key' }).click();
    const dialog = page.getByRole('dialog', { name: 'Key created' });
    agentKey = (await dialog.locator('code.secret-value').textContent()) ?? '';
    expect(agentKey).toMatch(/^sbk_/);
    await dialog.getByRole('button', { name: 'Copy' }).click();
    await dialog.getByRole('status').filter({ hasText: 'Copied' }).waitFor();
    expect(await page.evaluate<string>('navigator.clipboard.readText()')).toBe(agentKey);
    await dialog.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('table', { name: 'Access keys' }).getByRole('row', { name: /bot-key/ }).waitFor();
    // Once: after Done the key is nowhere in the page.
    expect(await page.content()).not.toContain(agentKey);

    const secret = page.getByRole('form', { name: 'New secret' });
    await secret.getByLabel('Name').fill('search-api');
    await secret.getByLabel('Value').fill(SECRET_VALUE);
    await secret.getByRole('button', { name: 'Create secret' }).click();
    const secretRow = page.getByRole('table', { name: 'Secrets' }).getByRole('row', { name: /search-api/ });
    expect(await textWhen(secretRow)).toContain(SECRET_VALUE.slice(-4));
    expect(await secret.getByLabel('Value').inputValue()).toBe('');
    await snapshot();
    await saveScreenshot(page, 'keys');
  });

  it('shows proxied calls in the agent’s statistics, on the usage chart and in its table', async () => {
    for (let i = 0; i < 3; i++) expect((await ask(agentKey)).usage?.completion_tokens).toBe(MAX_TOKENS);

    await nav('Agents');
    await page.getByRole('link', { name: 'console-bot' }).click();
    const stats = page.locator('dl[aria-label="Agent statistics"]');
    expect(await textWhen(fact(stats, 'Requests'), (t) => t === '3', 15_000)).toBe('3');
    const rest = (await fx.admin.get<Json>(`/v1/agents/${agentId}/stats`)).body;
    expect(rest).toMatchObject({ requests: 3, errors: 0, outputTokens: 3 * MAX_TOKENS });
    expect(await textWhen(fact(stats, 'Errors'))).toBe('0');
    expect(await textWhen(fact(stats, 'Total tokens'))).toContain(formatInt(rest['totalTokens'] as number));
    expect(await textWhen(fact(stats, 'Average response time'))).toMatch(/^\d[\d,]* ms$/);
    expect(rest['costUsd']).toBeCloseTo(3 * CALL_COST, 12);
    expect(await textWhen(fact(stats, 'Cost'))).toBe('$0.006');
    await snapshot();
    await saveScreenshot(page, 'agent-detail');

    await nav('Usage');
    const byDay = page.getByRole('table', { name: 'Usage by day' });
    const row = byDay.getByRole('row', { name: new RegExp(today()) });
    expect(await textWhen(row.getByRole('cell').nth(1))).toBe('3');
    expect(await textWhen(row.getByRole('cell').nth(3))).toBe(formatInt(rest['totalTokens'] as number));
    await page.locator('[role="img"][aria-label^="Chart: Requests by day"] canvas').first().waitFor();
    await page.getByLabel('Breakdown').selectOption('agent');
    const byAgent = page.getByRole('table', { name: 'Usage by agent' }).getByRole('row', { name: /console-bot/ });
    expect(await textWhen(byAgent.getByRole('cell').nth(1))).toBe('3');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).first().click()]);
    const csv = readFileSync((await download.path()) as string, 'utf8');
    expect(csv.split('\r\n')[0]).toBe('key,label,requests,errors,inputTokens,outputTokens,costUsd,avgLatencyMs,p95LatencyMs');
    expect(csv).toContain(`${today()},${today()},3,0,${rest['inputTokens']},${3 * MAX_TOKENS},`);
    await page.getByLabel('Metric').selectOption('costUsd');
    await page.getByRole('heading', { name: 'Cost (USD) by day' }).waitFor();
    await snapshot();
    await saveScreenshot(page, 'usage');
  });

  it('takes a tiny monthly budget in the console, refuses calls once it is spent and shows the gauge exhausted', async () => {
    await nav('Agents');
    await page.getByRole('link', { name: 'console-bot' }).click();
    await page.getByLabel('Monthly budget (USD)').fill(String(4 * CALL_COST));
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Budget saved.' }).waitFor();
    expect((await fx.admin.get<Json>(`/v1/agents/${agentId}`)).body['monthlyBudgetUsd']).toBe(4 * CALL_COST);

    // The fourth call spends what is left; the next is refused (the proxy may take a moment to learn the limit).
    let refused: unknown = null;
    for (let i = 0; i < 6 && refused === null; i++) refused = await ask(agentKey).then(() => null, (error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.RateLimitError);
    expect((refused as InstanceType<typeof OpenAI.RateLimitError>).code).toBe('budget_exceeded');

    const gauge = page.getByRole('meter', { name: 'Budget of agent console-bot' });
    expect(await attributeWhen(gauge, 'aria-valuetext', (v) => v.includes('exhausted'), 15_000)).toContain('exhausted');
    expect(await textWhen(gauge)).toContain('— exhausted');

    await nav('Budgets and alerts');
    const agentGauge = page.getByRole('table', { name: 'Agent budgets' }).getByRole('meter', { name: 'Budget of agent console-bot' });
    expect(await attributeWhen(agentGauge, 'aria-valuetext', (v) => v.includes('exhausted'))).toContain('exhausted');
    const providerGauge = page.getByRole('table', { name: 'Provider budgets' }).getByRole('meter', { name: 'Budget of provider console-openai' });
    expect(await attributeWhen(providerGauge, 'aria-valuetext', (v) => v !== '')).toContain('no limit');
    // Spending the whole budget raised the 100 % threshold alert, listed with the agent's name.
    const alert = page.getByRole('table', { name: 'Recent alerts' }).getByRole('row', { name: /percent 100,/ });
    expect(await textWhen(alert, undefined, 15_000)).toMatch(/Budget threshold\s*agent console-bot/);

    const thresholds = page.getByRole('form', { name: 'Alert thresholds' });
    await thresholds.getByLabel('Error rate (%)').fill('101');
    await thresholds.getByRole('button', { name: 'Save' }).click();
    expect(await attributeWhen(thresholds.getByLabel('Error rate (%)'), 'aria-invalid', (v) => v === 'true')).toBe('true');
    await thresholds.getByText('must be at most 100').waitFor();
    await thresholds.getByLabel('Error rate (%)').fill('35');
    await thresholds.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Thresholds saved.' }).waitFor();
    expect((await fx.admin.get<Json>('/v1/alerts/settings')).body['errorRatePct']).toBe(35);

    // A webhook: its signing secret shown once, then deleted.
    const hooks = page.getByRole('form', { name: 'New webhook' });
    await hooks.getByLabel('URL').fill('http://127.0.0.1:9/switchboard-events');
    await hooks.getByRole('button', { name: 'Create webhook' }).click();
    const shown = page.getByRole('dialog', { name: 'Webhook created' });
    const signingSecret = (await shown.locator('code.secret-value').textContent()) ?? '';
    expect(signingSecret).toMatch(/^whsec_/);
    await shown.getByRole('button', { name: 'Done' }).click();
    const hookRow = page.getByRole('table', { name: 'Webhooks' }).getByRole('row', { name: /switchboard-events/ });
    await hookRow.getByRole('button', { name: 'Deliveries' }).click();
    await page.getByRole('table', { name: 'Deliveries to http://127.0.0.1:9/switchboard-events' }).waitFor();
    expect(await page.content()).not.toContain(signingSecret);
    await hookRow.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog', { name: 'Delete webhook' }).getByRole('button', { name: 'Delete' }).click();
    await hookRow.waitFor({ state: 'detached' });
    expect((await fx.admin.get<{ data: unknown[] }>('/v1/webhooks')).body.data).toEqual([]);

    await page.getByRole('heading', { name: 'Budgets and alerts' }).scrollIntoViewIfNeeded();
    await snapshot();
    await saveScreenshot(page, 'budgets');
  });

  it('revokes the key, after which the proxy refuses it', async () => {
    await nav('Keys and secrets');
    await page.getByRole('table', { name: 'Access keys' }).getByRole('row', { name: /bot-key/ }).getByRole('button', { name: 'Revoke' }).click();
    await page.getByRole('dialog', { name: 'Revoke key' }).getByRole('button', { name: 'Revoke' }).click();
    await page.getByRole('table', { name: 'Access keys' }).getByRole('row', { name: /bot-key/ }).waitFor({ state: 'detached' });
    const after = await ask(agentKey).then(() => null, (error: unknown) => error);
    expect(after).toBeInstanceOf(OpenAI.AuthenticationError);
    await snapshot();
  });

  it('starts the agent for a recipient and stops it, revoking the key its start issued', async () => {
    await nav('Agents');
    await page.getByRole('link', { name: 'console-bot' }).click();
    await page.getByLabel('Recipient').selectOption({ label: 'orchestrator' });
    await page.getByRole('button', { name: 'Start' }).click();
    const started = await textWhen(page.getByRole('status').filter({ hasText: 'Start recorded' }));
    const startId = /\((\S+)\)/.exec(started)?.[1];
    const issued = await eventually(
      () => readStreamMessages(fx.stack.names, fx.stack.names.event(fx.tenantId, 'credential.issued')),
      (messages) => messages.some((m) => m.data['startId'] === startId),
      15_000,
    );
    expect(issued.find((m) => m.data['startId'] === startId)?.data).toMatchObject({ agentId, delivery: 'proxy' });
    await page.getByRole('button', { name: 'Stop' }).click();
    expect(await textWhen(page.getByRole('status').filter({ hasText: 'Stopped' }))).toContain('Stopped: 1 agent key issued at its starts revoked.');
  });

  it('shows members everything read-only', async () => {
    const member = await fx.newPage();
    try {
      const { page: seen } = member;
      await signIn(seen, fx.consoleUrl, await fx.memberKey(), `/agents/${agentId}`);
      await seen.getByRole('heading', { name: 'Agent console-bot' }).waitFor();
      await seen.getByRole('meter', { name: 'Budget of agent console-bot' }).waitFor();
      expect(await seen.getByRole('button', { name: 'Save' }).count()).toBe(0);
      expect(await seen.getByRole('button', { name: 'Start' }).count()).toBe(0);
      await seen.getByRole('link', { name: 'Back to agents' }).click();
      await seen.getByRole('table', { name: 'Agents' }).getByRole('link', { name: 'console-bot' }).waitFor();
      expect(await seen.getByRole('link', { name: 'New agent' }).count()).toBe(0);
      await seen.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Keys and secrets' }).click();
      await seen.getByRole('table', { name: 'Secrets' }).getByRole('row', { name: /search-api/ }).waitFor();
      for (const action of ['Revoke', 'Create key', 'Create secret', 'Replace value']) expect(await seen.getByRole('button', { name: action }).count()).toBe(0);
    } finally {
      await member.close();
    }
  });

  it('creates an agent with a fallback, names the fallback the API refuses, and shows each provider’s circuit', async () => {
    const spare = await fx.admin.post<Json>('/v1/providers', { name: 'console-spare', type: 'custom', endpoint: `${fx.mock.baseUrl}/v1`, apiKey: 'sk-spare-0123456789' });
    expect(spare.status).toBe(201);
    const spareId = spare.body['id'] as string;
    expect((await fx.admin.post(`/v1/providers/${spareId}/models`, { name: 'spare-model', upstreamModel: 'gpt-mock' })).status).toBe(201);

    await nav('Agents');
    await page.getByRole('link', { name: 'New agent' }).click();
    const form = page.getByRole('form', { name: 'New agent' });
    await form.getByLabel('Name').fill('console-router');
    await form.getByLabel('Provider', { exact: true }).selectOption({ label: 'console-openai (custom)' });
    await form.getByLabel('Model', { exact: true }).locator('option[value="metered"]').waitFor({ state: 'attached' });
    await form.getByLabel('Model', { exact: true }).selectOption('metered');
    await form.getByRole('button', { name: 'Add fallback' }).click();
    await form.getByLabel('Fallback 1 provider').selectOption({ label: 'console-spare (custom)' });
    await form.getByLabel('Fallback 1 model').locator('option[value="spare-model"]').waitFor({ state: 'attached' });
    await form.getByLabel('Fallback 1 model').selectOption('spare-model');
    await form.getByRole('button', { name: 'Create agent' }).click();
    await page.getByRole('heading', { name: 'Agent console-router' }).waitFor();
    const routerId = /\/agents\/([^/?#]+)$/.exec(page.url())?.[1] ?? '';
    const created = await fx.admin.get<Json>(`/v1/agents/${routerId}`);
    expect(created.body).toMatchObject({ name: 'console-router', providerId, model: 'metered', fallbacks: [{ providerId: spareId, model: 'spare-model' }] });

    // A repeated fallback: the API's 400 names fallbacks[1].providerId, shown beside that row's provider.
    const edit = page.getByRole('form', { name: 'Agent fallbacks' });
    expect(await edit.getByLabel('Fallback 1 provider').inputValue()).toBe(spareId);
    await edit.getByRole('button', { name: 'Add fallback' }).click();
    await edit.getByLabel('Fallback 2 provider').selectOption({ label: 'console-spare (custom)' });
    await edit.getByLabel('Fallback 2 model').locator('option[value="spare-model"]').waitFor({ state: 'attached' });
    await edit.getByLabel('Fallback 2 model').selectOption('spare-model');
    await edit.getByRole('button', { name: 'Save fallbacks' }).click();
    expect(await attributeWhen(edit.getByLabel('Fallback 2 provider'), 'aria-invalid', (v) => v === 'true')).toBe('true');
    await edit.getByText('repeats an earlier fallback').waitFor();
    expect(await edit.getByLabel('Fallback 1 provider').getAttribute('aria-invalid')).toBe('false');
    // The panel at the top of the 1280×800 picture, the refusal beside its row.
    await page.evaluate("document.activeElement && document.activeElement.blur(); document.getElementById('agent-fallbacks-heading').scrollIntoView()");
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'agent-fallbacks.png'), caret: 'hide', animations: 'disabled' });
    await edit.getByRole('button', { name: 'Remove fallback 2' }).click();
    expect((await fx.admin.get<Json>(`/v1/agents/${routerId}`)).body['fallbacks']).toEqual([{ providerId: spareId, model: 'spare-model' }]);
    await snapshot();

    // No call has failed: every circuit is closed, shown as "ok" on the list and the provider's page.
    expect((await fx.admin.get<Json>(`/v1/providers/${spareId}`)).body['circuit']).toEqual({ state: 'closed', since: null });
    await nav('Providers');
    const row = page.getByRole('table', { name: 'Providers of this tenant' }).getByRole('row', { name: /console-spare/ });
    expect(await textWhen(row.locator('.circuit'))).toBe('ok');
    await row.getByRole('link', { name: 'console-spare' }).click();
    expect(await textWhen(fact(page.locator('dl.facts').first(), 'Circuit'))).toBe('ok');
    await snapshot();

    const member = await fx.newPage();
    try {
      const { page: seen } = member;
      await signIn(seen, fx.consoleUrl, await fx.memberKey(), `/agents/${routerId}`);
      const list = seen.getByRole('list', { name: 'Fallbacks in order' });
      expect(await textWhen(list, (t) => t.includes('console-spare'))).toBe('console-spare · spare-model');
      for (const action of ['Add fallback', 'Save fallbacks']) expect(await seen.getByRole('button', { name: action }).count()).toBe(0);
    } finally {
      await member.close();
    }
  });

  it('never lets the upstream key or a written secret reach the DOM, the responses or browser storage', async () => {
    await cp.settle();
    expect(cp.responses.length).toBeGreaterThan(10);
    for (const secret of [CANARY, SECRET_VALUE]) {
      for (const dom of doms) expect(dom).not.toContain(secret);
      for (const response of cp.responses) expect(response.body).not.toContain(secret);
    }
    for (const answer of upstreamAnswers) expect(answer).not.toContain(CANARY);
    const stored = await browserSecrets(page);
    expect(stored).not.toContain(CANARY);
    expect(stored).not.toContain(SECRET_VALUE);
    expect(stored).not.toContain(agentKey);
    // The upstream did get it: the check above is not vacuous.
    expect(fx.mock.calls().some((c) => c.headers['authorization'] === `Bearer ${CANARY}`)).toBe(true);
  });
});
