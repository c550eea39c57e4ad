// Writes screenshots of each page to docs/img/ (1280x800, and 390x844 as name-390.png): starts redis-server and mi-hub (see
// harness.mjs), makes a realistic office (agents online and offline, a clone, chat, invites in
// every status) and photographs the pages as they are.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { startHub, launchBrowser, newPage, TestAgent, repoRoot, sleep } from './harness.mjs';

const outDir = path.resolve(repoRoot, process.env.SCREENSHOT_DIR || 'docs/img');
const COLONY = 'acme-hq';

async function main() {
  mkdirSync(outDir, { recursive: true });
  // A long grace: nova's dropped connection keeps it Reconnecting while the pages are photographed.
  const hub = await startHub({ extraArgs: ['--offline-grace', '300'] });
  const browser = await launchBrowser();
  const agents = [];
  const join = async (name, inviteName) => {
    const invite = await hub.api('POST', `/v1/colonies/${COLONY}/invites`, { name: inviteName });
    const agent = new TestAgent(hub.url);
    await agent.onboard(invite.code, name);
    agents.push(agent);
    return agent;
  };
  try {
    // The office and its people.
    const rex = await join('rex', 'Rex (old laptop)');
    const mia = await join('mia', 'Mia\'s data agent');
    const jared = await join('jared', 'Jared\'s research agent');
    const nova = await join('nova', 'Nova ops bot');
    mia.chat('I pushed the dataset fixes last night; the eval numbers are up 3%.');
    await sleep(150);
    jared.chat('Morning! Picking up the review of the onboarding flow.');
    await rex.close();
    await sleep(150);
    const cloned = await jared.clone();
    const worker = new TestAgent(hub.url);
    await worker.hello(cloned.token);
    agents.push(worker);
    await sleep(150);
    worker.chat(`Clone ${cloned.agent.id} online, taking the backlog triage.`);
    await sleep(150);
    nova.chat('Deploy window opens at 14:00. Ping me if anything should wait.');
    jared.status({ status: 'reviewing PR #42', progress: '60%' });
    nova.status({ status: 'watching the deploy queue' });
    await sleep(1100);
    worker.status({ status: 'triaging issues' });
    await mia.close();

    // Invites in every status.
    await hub.api('POST', `/v1/colonies/${COLONY}/invites`, { name: 'Priya\'s coding agent' });
    await hub.api('POST', `/v1/colonies/${COLONY}/invites`, { type: 'human', name: 'Sam (new teammate)' });
    const revoked = await hub.api('POST', `/v1/colonies/${COLONY}/invites`, { name: 'sent to the wrong address' });
    await hub.api('POST', `/v1/invites/${revoked.code}/revoke`);
    await hub.api('POST', '/v1/colonies/research-lab/invites', { name: 'lab assistant' });
    const shared = await hub.api('POST', `/v1/colonies/${COLONY}/invites`, { name: 'Leo\'s agent' });
    // rex comes back for a while, so that its timeline has a gap; nova's network drops (no close
    // frame): Reconnecting on the dashboard.
    await sleep(1200);
    await rex.hello();
    await sleep(1200);
    await rex.close();
    clearInterval(nova.timer);
    nova.socket.terminate();
    await sleep(1500);

    const shot = async (page, name) => {
      await page.screenshot({ path: path.join(outDir, name) });
      console.log(`wrote ${path.relative(repoRoot, path.join(outDir, name))}`);
    };

    // Each page at 1280x800, and as a phone shows it (390x844): name.png and name-390.png.
    const desktop = { width: 1280, height: 800 };
    const phone = { width: 390, height: 844 };
    const suffix = (viewport) => (viewport === phone ? '-390.png' : '.png');
    for (const viewport of [desktop, phone]) {
      {
        const { context, page } = await newPage(browser, hub, { signedIn: false, viewport });
        await page.goto('/signin?next=%2Fadmin');
        await page.getByLabel('Admin token').waitFor();
        await shot(page, `signin${suffix(viewport)}`);
        await context.close();
      }
      {
        const { context, page } = await newPage(browser, hub, { viewport });
        await page.goto(`/admin?colony=${COLONY}`);
        await page.locator('#invites-body tr').first().waitFor();
        await page.getByLabel('Name (optional)').fill('Ana\'s support agent');
        await page.getByRole('button', { name: 'Create Agent Invite' }).click();
        await page.locator('#invite-result:not([hidden])').waitFor();
        await page.locator('#live[data-state="live"]').waitFor();
        await sleep(300);
        if (viewport === phone) await page.locator('#invite-result').scrollIntoViewIfNeeded();
        await shot(page, `admin${suffix(viewport)}`);
        await context.close();
      }
      {
        const { context, page } = await newPage(browser, hub, { viewport });
        await page.goto(`/colonies/${COLONY}`);
        await page.locator('#live[data-state="live"]').waitFor();
        await page.locator('#agents li.agent[data-agent-id="jared-2"]').waitFor();
        await page.locator('#agents li.agent[data-agent-id="nova"][data-presence="reconnecting"]').waitFor({ timeout: 10000 });
        // Rows load their history as they come into view: the first one is on screen on a phone too.
        await page.locator('#agents [data-testid="uptime"]').first().and(page.locator('[data-state="loaded"]')).waitFor({ timeout: 10000 });
        if (viewport === desktop) {
          await page.locator('#agents [data-testid="uptime"][data-state="loading"]').first().waitFor({ state: 'detached', timeout: 10000 });
        }
        await sleep(1800); // let the row flashes fade
        await shot(page, `dashboard${suffix(viewport)}`);
        await context.close();
      }
      {
        const context = await browser.newContext({ baseURL: hub.url, javaScriptEnabled: false, viewport });
        const page = await context.newPage();
        await page.goto(`/r/${shared.code}`);
        await page.locator('details summary').click();
        await shot(page, `invite${suffix(viewport)}`);
        await context.close();
      }
    }
    {
      const { context, page } = await newPage(browser, hub, { reducedMotion: 'reduce', viewport: phone });
      await page.goto(`/onboard?colony=${COLONY}&stay=30`);
      await page.getByRole('button', { name: 'Yes, I already have an agent' }).click();
      await page.waitForFunction(() => /^[A-Z]{6}$/.test(document.getElementById('invite-code').textContent));
      await shot(page, 'onboard-390.png');
      await context.close();
    }
    {
      const { context, page } = await newPage(browser, hub, { reducedMotion: 'reduce' });
      await page.goto(`/onboard?colony=${COLONY}&stay=30`);
      await page.getByRole('button', { name: 'Yes, I already have an agent' }).click();
      await page.waitForFunction(() => /^[A-Z]{6}$/.test(document.getElementById('invite-code').textContent));
      await shot(page, 'onboard.png');
      // The same page once the agent joined and cloned itself.
      const code = await page.locator('#invite-code').textContent();
      const newcomer = new TestAgent(hub.url);
      await newcomer.onboard(code, 'leo');
      agents.push(newcomer);
      await page.locator('#join-title').getByText('leo joined').waitFor();
      await newcomer.clone();
      await page.locator('#replicate-title').getByText('replicated').waitFor();
      await sleep(300);
      await shot(page, 'onboard-joined.png');
      await context.close();
    }
  } finally {
    for (const agent of agents) await agent.close().catch(() => {});
    await browser.close();
    await hub.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
