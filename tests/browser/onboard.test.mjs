// Onboarding (/onboard?colony=ID): "Yes, I already have an agent" makes an invite bound to a
// browser session id in local storage; a reload shows the same invite; the page waits for the
// join, animates the transfer and the replication, then goes to the dashboard.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useHubAndBrowser, newPage, TestAgent, sleep } from './harness.mjs';

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

test('a revoked invite is noticed while the page waits, and replaced by a new one; the page names its invites', async () => {
  const { context, page } = await newPage(browser, hub);
  const agent = new TestAgent(hub.url);
  try {
    // ?recheck=1: the page asks for its invite's status every second (every 5 s by default).
    await page.goto('/onboard?colony=revoked&stay=1&recheck=1');
    await page.getByRole('button', { name: 'Yes, I already have an agent' }).click();
    await page.waitForFunction(() => /^[A-Z]{6}$/.test(document.getElementById('invite-code').textContent));
    const first = await page.locator('#invite-code').textContent();
    assert.equal(await page.locator('#invite-status').textContent(), 'Active');
    // Named so that it is recognisable in `mi invite list` and the admin panel.
    const made = await hub.api('GET', `/v1/invites/${first}`);
    assert.match(made.name, /^onboarding page, .*\d/);

    await hub.api('POST', `/v1/invites/${first}/revoke`);
    await page.waitForFunction((old) => {
      const code = document.getElementById('invite-code').textContent;
      return /^[A-Z]{6}$/.test(code) && code !== old;
    }, first, { timeout: 5000 });
    const second = await page.locator('#invite-code').textContent();
    assert.match(await page.locator('#invite-replaced').textContent(), new RegExp(`Invite ${first} was revoked`));
    assert.equal(await page.locator('#invite-status').textContent(), 'Active');
    assert.equal(await page.getByTestId('invite-link').textContent(), `${hub.url}/r/${second}`);
    assert.equal(await page.getByTestId('invite-command').textContent(), `mi agent onboard ${second} --hub ${hub.url}`);
    const replacement = await hub.api('GET', `/v1/invites/${second}`);
    assert.equal(replacement.status, 'active');
    assert.match(replacement.name, /^onboarding page, /);

    // The new invite works: the agent joins with it, and the page follows.
    await agent.onboard(second, 'rae');
    await page.locator('#join-title').getByText('rae joined revoked').waitFor({ timeout: 5000 });
    assert.deepEqual(page.pageErrors, []);
  } finally {
    await agent.close();
    await context.close();
  }
});

test('an agent that joins and clones at once is followed: the page watches before it shows the link', async () => {
  const { context, page } = await newPage(browser, hub);
  const agent = new TestAgent(hub.url);
  try {
    // A slow watch token: the page's live connection comes up 1.5 s late.
    await page.route('**/watch-token', async (route) => {
      await sleep(1500);
      await route.continue();
    });
    await page.goto('/onboard?colony=quick&stay=30');
    await page.getByRole('button', { name: 'Yes, I already have an agent' }).click();
    await page.waitForFunction(() => /^[A-Z]{6}$/.test(document.getElementById('invite-code').textContent));
    await page.getByTestId('invite-link').waitFor();
    // The agent is fast: it joins and clones itself the moment the link is on the page.
    await agent.onboard(await page.locator('#invite-code').textContent(), 'zip');
    const cloned = await agent.clone();
    await page.locator('#join-title').getByText('zip joined quick').waitFor({ timeout: 8000 });
    await page.locator('#replicate-stage').waitFor({ state: 'visible', timeout: 8000 });
    assert.equal(await page.locator('#cell-child').textContent(), cloned.agent.id);
    await page.locator('#replicate-title').getByText(`zip replicated into ${cloned.agent.id}`).waitFor({ timeout: 5000 });
    assert.deepEqual(page.pageErrors, []);
  } finally {
    await agent.close();
    await context.close();
  }
});

test('an agent found in the first snapshot with its clone shows the replication too', async () => {
  const { context, page } = await newPage(browser, hub);
  const agent = new TestAgent(hub.url);
  try {
    await page.goto('/onboard?colony=caught&stay=30');
    await page.getByRole('button', { name: 'Yes, I already have an agent' }).click();
    await page.waitForFunction(() => /^[A-Z]{6}$/.test(document.getElementById('invite-code').textContent));
    const code = await page.locator('#invite-code').textContent();
    await page.goto('about:blank');
    // While the page is closed the agent joins and clones itself.
    await agent.onboard(code, 'kit');
    await agent.clone();
    await page.goto(`${hub.url}/onboard?colony=caught&stay=30`);
    await page.locator('#join-title').getByText('kit joined caught').waitFor({ timeout: 8000 });
    await page.locator('#replicate-title').getByText('kit replicated into kit-2').waitFor({ timeout: 8000 });
  } finally {
    await agent.close();
    await context.close();
  }
});
