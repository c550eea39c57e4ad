// Admin panel (/admin), Invites section: create agent and human invites, copy their link and
// command, see the colony's invites kept current, revoke active ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useHubAndBrowser, newPage, TestAgent } from './harness.mjs';

let hub;
let browser;

useHubAndBrowser((started) => ({ hub, browser } = started));

const row = (page, code) => page.locator(`#invites-body tr[data-code="${code}"]`);

test('create an agent invite in a new colony: code, link, command, copy buttons, listed as active', async () => {
  const { context, page } = await newPage(browser, hub);
  try {
    await page.goto('/admin');
    await page.getByRole('heading', { name: 'Create an invite' }).waitFor();
    // No colony yet: the dropdown offers a new one.
    await page.getByLabel('Office (colony)').selectOption('__new__');
    await page.getByLabel('New colony id').fill('acme-hq');
    await page.getByLabel('Name (optional)').fill('Jared <research> agent');
    assert.equal(await page.getByRole('radio', { name: 'Agent Invite' }).isChecked(), true);
    await page.getByRole('button', { name: 'Create Agent Invite' }).click();

    const codeBox = page.getByTestId('new-code');
    await codeBox.waitFor();
    await page.waitForFunction(() => /^[A-Z]{6}$/.test(document.querySelector('[data-testid="new-code"]').textContent));
    const code = await codeBox.textContent();
    assert.equal(await page.getByTestId('new-link').textContent(), `${hub.url}/r/${code}`);
    assert.equal(await page.getByTestId('new-command').textContent(), `mi agent onboard ${code} --hub ${hub.url}`);
    for (const name of ['Copy link', 'Copy command', 'Copy code']) {
      const button = page.locator('#invite-result').getByRole('button', { name: new RegExp(`^${name}`) });
      assert.equal(await button.count(), 1, name);
      await button.click();
    }
    assert.deepEqual(page.pageErrors, []);

    // The invite is listed as active, with its (escaped) name; the colony is now in the dropdown.
    await row(page, code).waitFor();
    assert.equal(await row(page, code).getAttribute('data-status'), 'active');
    assert.match(await row(page, code).textContent(), /Jared <research> agent/);
    assert.match(await row(page, code).textContent(), /Active/);
    assert.equal(await page.getByLabel('Office (colony)').inputValue(), 'acme-hq');
    assert.match(page.url(), /colony=acme-hq/);

    // It is really on the hub.
    const stored = await hub.api('GET', `/v1/invites/${code}`);
    assert.equal(stored.colony, 'acme-hq');
    assert.equal(stored.type, 'agent');
    assert.equal(stored.name, 'Jared <research> agent');
  } finally {
    await context.close();
  }
});

test('switch to a human invite for an existing colony', async () => {
  await hub.api('POST', '/v1/colonies/beta/invites', { name: 'seed' });
  const { context, page } = await newPage(browser, hub);
  try {
    await page.goto('/admin');
    const select = page.getByLabel('Office (colony)');
    await select.locator('option[value="beta"]').waitFor({ state: 'attached' });
    await select.selectOption('beta');
    await page.getByText('Human Invite', { exact: true }).click();
    await page.getByRole('button', { name: 'Create Human Invite' }).click();
    await page.locator('#result-title').getByText('New human invite for beta').waitFor();
    const code = await page.getByTestId('new-code').textContent();
    assert.equal(await page.getByTestId('new-command').count(), 0, 'a human invite has no agent command');
    await row(page, code).waitFor();
    assert.match(await row(page, code).textContent(), /Human/);
    assert.equal((await hub.api('GET', `/v1/invites/${code}`)).type, 'human');
    // Two invites in beta now, newest first.
    assert.equal(await page.locator('#invites-body tr').count(), 2);
    assert.equal(await page.locator('#invites-body tr').first().getAttribute('data-code'), code);
  } finally {
    await context.close();
  }
});

test('revoke an active invite; a redemption shows up live as "Redeemed by" its agent', async () => {
  const keep = await hub.api('POST', '/v1/colonies/gamma/invites', { name: 'to redeem' });
  const drop = await hub.api('POST', '/v1/colonies/gamma/invites', { name: 'to revoke' });
  const { context, page } = await newPage(browser, hub);
  const agent = new TestAgent(hub.url);
  try {
    await page.goto('/admin?colony=gamma');
    await row(page, drop.code).waitFor();
    await page.locator('#live[data-state="live"]').waitFor();

    // Revoking asks first: dismissed, nothing happens.
    page.once('dialog', (dialog) => dialog.dismiss());
    await row(page, drop.code).getByRole('button', { name: `Revoke invite ${drop.code}` }).click();
    assert.equal((await hub.api('GET', `/v1/invites/${drop.code}`)).status, 'active');
    assert.equal(await row(page, drop.code).getAttribute('data-status'), 'active');
    let asked = '';
    page.once('dialog', (dialog) => { asked = dialog.message(); dialog.accept(); });
    await row(page, drop.code).getByRole('button', { name: `Revoke invite ${drop.code}` }).click();
    await page.locator(`#invites-body tr[data-code="${drop.code}"][data-status="revoked"]`).waitFor();
    assert.match(asked, new RegExp(`Revoke invite ${drop.code} \\(to revoke\\)\\?`));
    assert.match(await row(page, drop.code).textContent(), /Revoked/);
    assert.equal(await row(page, drop.code).getByRole('button', { name: /Revoke/ }).count(), 0);
    assert.equal((await hub.api('GET', `/v1/invites/${drop.code}`)).status, 'revoked');

    // An agent redeems the other one: the row changes without a reload.
    await agent.onboard(keep.code, 'jared');
    const redeemed = page.locator(`#invites-body tr[data-code="${keep.code}"][data-status="redeemed"]`);
    await redeemed.waitFor({ timeout: 5000 });
    assert.match(await redeemed.textContent(), /Redeemed\s*by jared/);
    assert.equal(await redeemed.getByRole('button', { name: /Revoke/ }).count(), 0);
    assert.match(await page.locator('#invites-summary').textContent(), /2 invites: 0 active, 1 redeemed, 1 revoked/);
  } finally {
    await agent.close();
    await context.close();
  }
});

test('the hub\'s JSON error is shown when a revoke loses the race to a redemption', async () => {
  const invite = await hub.api('POST', '/v1/colonies/delta/invites', {});
  const { context, page } = await newPage(browser, hub);
  const agent = new TestAgent(hub.url);
  try {
    await page.goto('/admin?colony=delta');
    await row(page, invite.code).waitFor();
    // Hold the revoke until the agent has redeemed the code, then let it through.
    await page.route('**/v1/invites/*/revoke', async (route) => {
      await agent.onboard(invite.code, 'racer');
      await route.continue();
    });
    page.once('dialog', (dialog) => dialog.accept());
    await row(page, invite.code).getByRole('button', { name: `Revoke invite ${invite.code}` }).click();
    const alert = page.locator('#action-error');
    await alert.getByText(/already_redeemed/).waitFor();
    assert.ok((await alert.textContent()).length > 'already_redeemed'.length + 5, 'the message is a sentence');
    await page.locator(`#invites-body tr[data-code="${invite.code}"][data-status="redeemed"]`).waitFor();
  } finally {
    await agent.close();
    await context.close();
  }
});

test('a bad colony id is refused before anything is sent', async () => {
  const { context, page } = await newPage(browser, hub);
  try {
    await page.goto('/admin');
    await page.getByLabel('Office (colony)').selectOption('__new__');
    await page.getByLabel('New colony id').fill('not valid!');
    await page.getByRole('button', { name: 'Create Agent Invite' }).click();
    await page.locator('#create-error').getByText(/colony id is 1 to 64 characters/).waitFor();
    assert.equal(await page.getByLabel('New colony id').getAttribute('aria-invalid'), 'true');
  } finally {
    await context.close();
  }
});
