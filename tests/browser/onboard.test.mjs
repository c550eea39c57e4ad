// Onboarding (/onboard?colony=ID): "Yes, I already have an agent" makes an invite bound to a
// browser session id in local storage; a reload shows the same invite; the page waits for the
// join, animates the transfer and the replication, then goes to the dashboard.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useHubAndBrowser, newPage, TestAgent } from './harness.mjs';

let hub;
let browser;

useHubAndBrowser((started) => ({ hub, browser } = started));

test('the whole onboarding: invite kept across a reload, wait, transfer, replication, dashboard', async () => {
  const { context, page } = await newPage(browser, hub);
  const agent = new TestAgent(hub.url);
  try {
    await page.goto('/onboard?colony=newco&stay=2');
    await page.getByRole('button', { name: 'Yes, I already have an agent' }).click();

    // The invite: link, command, code; a waiting animation.
    const code = page.locator('#invite-code');
    await page.waitForFunction(() => /^[A-Z]{6}$/.test(document.getElementById('invite-code').textContent));
    const first = await code.textContent();
    assert.equal(await page.getByTestId('invite-link').textContent(), `${hub.url}/r/${first}`);
    assert.equal(await page.getByTestId('invite-command').textContent(), `mi agent onboard ${first} --hub ${hub.url}`);
    await page.getByRole('button', { name: /^Copy link/ }).click();
    await page.getByRole('button', { name: /^Copy command/ }).click();
    assert.equal(await page.locator('#stage-wait .beacon .ring').count(), 3);
    assert.match(await page.locator('#wait-status').textContent(), /Waiting for your agent to connect/);
    const session = await page.evaluate(() => localStorage.getItem('mi.onboard.session'));
    assert.match(session, /^[A-Za-z0-9_.:-]{1,128}$/);

    // A reload shows the same active invite, without asking again.
    await page.reload();
    await page.waitForFunction(() => /^[A-Z]{6}$/.test(document.getElementById('invite-code').textContent));
    assert.equal(await code.textContent(), first);
    assert.equal(await page.evaluate(() => localStorage.getItem('mi.onboard.session')), session);
    const invite = await hub.api('GET', `/v1/invites/${first}`);
    assert.equal(invite.status, 'active');
    assert.equal(invite.colony, 'newco');
    assert.equal(invite.type, 'agent');
    // The hub hands the same session the same invite.
    assert.equal((await hub.api('POST', '/v1/colonies/newco/onboard-invite', { session })).code, first);

    // The agent joins: the transfer.
    await agent.onboard(first, 'jared');
    await page.locator('#stage-join').waitFor({ state: 'visible', timeout: 5000 });
    assert.equal(await page.locator('#stage-wait').isVisible(), false);
    assert.equal(await page.locator('#transfer .packet').count(), 1);
    await page.locator('#join-title').getByText('jared joined newco').waitFor({ timeout: 5000 });
    assert.equal(await page.locator('#transfer').getAttribute('class'), 'transfer done');

    // It clones itself while the page is open: the replication, with the clone's name.
    const cloned = await agent.clone();
    assert.equal(cloned.agent.id, 'jared-2');
    await page.locator('#replicate-stage').waitFor({ state: 'visible', timeout: 5000 });
    assert.equal(await page.locator('#cell-parent').textContent(), 'jared');
    assert.equal(await page.locator('#cell-child').textContent(), 'jared-2');
    await page.locator('#replicate-title').getByText('jared replicated into jared-2').waitFor({ timeout: 5000 });
    await page.locator('#countdown').getByText(/Taking you to the dashboard in \d+ s/).waitFor();

    // Then the dashboard, with the agent and its clone.
    await page.waitForURL((url) => url.pathname === '/colonies/newco', { timeout: 15000 });
    await page.locator('#agents li.agent[data-agent-id="jared"][data-status="online"]').waitFor();
    await page.locator('#agents li.agent[data-agent-id="jared-2"]').waitFor();
    assert.deepEqual(page.pageErrors, []);
  } finally {
    await agent.close();
    await context.close();
  }
});

test('an agent that joined while the page was closed is found on the next visit', async () => {
  const { context, page } = await newPage(browser, hub);
  const agent = new TestAgent(hub.url);
  try {
    await page.goto('/onboard?colony=later&stay=1');
    await page.getByRole('button', { name: 'Yes, I already have an agent' }).click();
    await page.waitForFunction(() => /^[A-Z]{6}$/.test(document.getElementById('invite-code').textContent));
    const code = await page.locator('#invite-code').textContent();
    await page.goto('about:blank');
    await agent.onboard(code, 'mia');
    await page.goto(`${hub.url}/onboard?colony=later&stay=1`);
    await page.locator('#join-title').getByText('mia joined later').waitFor({ timeout: 8000 });
    await page.waitForURL((url) => url.pathname === '/colonies/later', { timeout: 10000 });
  } finally {
    await agent.close();
    await context.close();
  }
});

test('"No, not yet" points to the admin panel; without a colony the page asks for one', async () => {
  const { context, page } = await newPage(browser, hub);
  try {
    await page.goto('/onboard?colony=quiet');
    await page.getByRole('button', { name: 'No, not yet' }).click();
    await page.locator('#no-agent-note').getByText(/Agent Invite/).waitFor();
    assert.equal(await page.locator('#no-agent-admin').getAttribute('href'), '/admin?colony=quiet');

    await page.goto('/onboard');
    await page.getByLabel('Colony id').fill('fresh-office');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL((url) => url.search === '?colony=fresh-office');
    await page.getByRole('button', { name: 'Yes, I already have an agent' }).waitFor();
  } finally {
    await context.close();
  }
});

test('with reduced motion the stages still work', async () => {
  const { context, page } = await newPage(browser, hub, { reducedMotion: 'reduce' });
  const agent = new TestAgent(hub.url);
  try {
    await page.goto('/onboard?colony=calm&stay=1');
    await page.getByRole('button', { name: 'Yes, I already have an agent' }).click();
    await page.waitForFunction(() => /^[A-Z]{6}$/.test(document.getElementById('invite-code').textContent));
    const animation = await page.locator('#stage-wait .beacon .ring').first().evaluate((ring) => getComputedStyle(ring).animationName);
    assert.equal(animation, 'none');
    await agent.onboard(await page.locator('#invite-code').textContent(), 'zen');
    await page.locator('#join-title').getByText('zen joined calm').waitFor({ timeout: 5000 });
    await page.waitForURL((url) => url.pathname === '/colonies/calm', { timeout: 10000 });
  } finally {
    await agent.close();
    await context.close();
  }
});
