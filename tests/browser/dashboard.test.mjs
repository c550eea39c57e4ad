// Dashboard (/colonies/{colony}): agents with Remote badges, Online/Offline, last seen, counts,
// the group chat, all changing live; it reconnects by itself with `since` after a drop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { useHubAndBrowser, newPage, TestAgent, sleep, repoRoot } from './harness.mjs';

let hub;
let browser;

useHubAndBrowser((started) => ({ hub, browser } = started));

const agentRow = (page, id, status) => page.locator(`#agents li.agent[data-agent-id="${id}"]${status ? `[data-status="${status}"]` : ''}`);

async function counts(page) {
  return page.evaluate(() => Object.fromEntries(['total', 'online', 'offline', 'remote'].map((k) => [k, Number(document.getElementById(`count-${k}`).textContent)])));
}

test('the dashboard follows an agent live: join, update, chat, offline, back online, clone', async () => {
  // An agent that was there before the page opened, now offline.
  const early = new TestAgent(hub.url);
  const earlyInvite = await hub.api('POST', '/v1/colonies/lab/invites', {});
  await early.onboard(earlyInvite.code, 'ada');
  early.chat('good morning');
  await sleep(100);
  await early.close();

  const { context, page } = await newPage(browser, hub);
  const jared = new TestAgent(hub.url);
  try {
    await page.goto('/colonies/lab');
    await page.getByRole('heading', { name: 'lab', exact: true }).waitFor();
    await page.locator('#live[data-state="live"]').waitFor();
    await agentRow(page, 'ada', 'offline').waitFor();
    assert.match(await agentRow(page, 'ada').textContent(), /Remote/);
    assert.match(await agentRow(page, 'ada').textContent(), /Offline/);
    assert.match(await agentRow(page, 'ada').locator('.last-seen').textContent(), /^last seen (just now|\d+ s ago)$/);
    // Recent history comes along: ada's chat line and why she went offline.
    await page.locator('#chat .chat-msg[data-from="ada"]').getByText('good morning').waitFor();
    assert.match(await agentRow(page, 'ada').textContent(), /connection closed/);
    assert.deepEqual(await counts(page), { total: 1, online: 0, offline: 1, remote: 1 });

    // join
    const invite = await hub.api('POST', '/v1/colonies/lab/invites', { name: 'jared' });
    await jared.onboard(invite.code, 'jared');
    await agentRow(page, 'jared', 'online').waitFor({ timeout: 5000 });
    assert.match(await agentRow(page, 'jared').textContent(), /Remote/);
    assert.match(await agentRow(page, 'jared').textContent(), /Online/);
    assert.match(await agentRow(page, 'jared').textContent(), /active now/);
    assert.deepEqual(await counts(page), { total: 2, online: 1, offline: 1, remote: 2 });
    await page.locator('#activity li[data-event="join"]').getByText(`jared joined (Remote) with invite ${invite.code}`).waitFor();

    // update: its status meta
    jared.status({ status: 'reviewing <b>papers</b>', step: 3 });
    await agentRow(page, 'jared').locator('.meta-chip[data-key="status"]').getByText('reviewing <b>papers</b>').waitFor({ timeout: 5000 });
    assert.match(await agentRow(page, 'jared').locator('.meta-chip[data-key="step"]').textContent(), /step: 3/);

    // chat, escaped as text
    jared.chat('hello <img src=x onerror="window.pwned=1"> team');
    const line = page.locator('#chat .chat-msg[data-from="jared"]');
    await line.getByText('hello <img src=x onerror="window.pwned=1"> team').waitFor({ timeout: 5000 });
    assert.equal(await page.evaluate(() => window.pwned), undefined);
    assert.equal(await page.locator('#chat img').count(), 0);

    // offline with its reason; stays listed
    await jared.close();
    await agentRow(page, 'jared', 'offline').waitFor({ timeout: 5000 });
    assert.match(await agentRow(page, 'jared').textContent(), /connection closed/);
    assert.match(await agentRow(page, 'jared').locator('.last-seen').textContent(), /^last seen (just now|\d+ s ago)$/);
    await page.locator('#activity').getByText('jared went offline (its connection closed)').waitFor();
    assert.deepEqual(await counts(page), { total: 2, online: 0, offline: 2, remote: 2 });

    // back online with its token
    await jared.hello();
    await agentRow(page, 'jared', 'online').waitFor({ timeout: 5000 });
    assert.doesNotMatch(await agentRow(page, 'jared').textContent(), /connection closed/);
    await page.locator('#activity').getByText('jared is online').waitFor();

    // clone: a hosted jared-2, no Remote badge, offline until a worker connects
    const cloned = await jared.clone();
    assert.equal(cloned.agent.id, 'jared-2');
    await agentRow(page, 'jared-2').waitFor({ timeout: 5000 });
    const cloneText = await agentRow(page, 'jared-2').textContent();
    assert.doesNotMatch(cloneText, /Remote/);
    assert.match(cloneText, /clone of jared/);
    assert.equal(await agentRow(page, 'jared-2').getAttribute('data-status'), 'offline');
    await page.locator('#activity').getByText('jared cloned itself as jared-2').waitFor();
    assert.deepEqual(await counts(page), { total: 3, online: 1, offline: 2, remote: 2 });
    // Listed in natural order.
    assert.deepEqual(await page.locator('#agents li.agent').evaluateAll((rows) => rows.map((r) => r.dataset.agentId)), ['ada', 'jared', 'jared-2']);

    // A timeout (no heartbeat for --presence-ttl) is an offline reason too.
    clearInterval(jared.timer);
    await agentRow(page, 'jared', 'offline').waitFor({ timeout: 8000 });
    assert.match(await agentRow(page, 'jared').textContent(), /no heartbeat/);
    assert.deepEqual(page.pageErrors, []);
  } finally {
    await jared.close();
    await context.close();
  }
});

test('after a drop it says "Reconnecting…", comes back with since, and misses nothing', async () => {
  const agent = new TestAgent(hub.url);
  const invite = await hub.api('POST', '/v1/colonies/relay/invites', {});
  await agent.onboard(invite.code, 'bob');
  const { context, page } = await newPage(browser, hub);
  const watches = [];
  const epochs = [];  // of each snapshot and resume the page was given
  page.on('websocket', (socket) => {
    socket.on('framesent', (frame) => {
      try {
        const message = JSON.parse(frame.payload);
        if (message.type === 'watch') watches.push(message);
      } catch {
        // not ours
      }
    });
    socket.on('framereceived', (frame) => {
      try {
        const message = JSON.parse(frame.payload);
        if (message.type === 'snapshot' || message.type === 'resume') epochs.push(message.epoch);
      } catch {
        // not ours
      }
    });
  });
  try {
    await page.goto('/colonies/relay');
    await agentRow(page, 'bob', 'online').waitFor();
    await page.locator('#live[data-state="live"]').waitFor();
    agent.chat('before the drop');
    await page.locator('#chat').getByText('before the drop').waitFor();
    const seqBefore = await page.locator('#chat .chat-msg').last().getAttribute('data-seq');

    // The hub restarts: watchers are closed with 1012, the agent too.
    await hub.stopHub();
    const banner = page.locator('#reconnecting');
    await banner.waitFor({ state: 'visible', timeout: 5000 });
    assert.match(await banner.textContent(), /Reconnecting…/);
    assert.equal(await page.locator('#live').getAttribute('data-state'), 'reconnecting');

    await hub.startHubAgain();
    await banner.waitFor({ state: 'hidden', timeout: 15000 });
    await page.locator('#live[data-state="live"]').waitFor();
    const last = watches.at(-1);
    assert.ok(watches.length >= 2, 'it watched again');
    assert.equal(typeof last.since, 'number');
    assert.ok(last.since >= Number(seqBefore), `since ${last.since} covers seq ${seqBefore}`);
    // The since goes with the epoch (the colony's event history) it counts in.
    assert.equal(typeof epochs[0], 'string');
    assert.equal(last.epoch, epochs[0]);
    // bob went offline with the drain (an event it did not see while disconnected) ...
    await agentRow(page, 'bob', 'offline').waitFor({ timeout: 5000 });
    // ... and the stream goes on.
    await agent.hello();
    await agentRow(page, 'bob', 'online').waitFor({ timeout: 5000 });
    agent.chat('after the drop');
    await page.locator('#chat').getByText('after the drop').waitFor({ timeout: 5000 });
    assert.equal(await page.locator('#chat').getByText('before the drop').count(), 1, 'no duplicate after resuming');
    assert.deepEqual(page.pageErrors, []);
  } finally {
    await agent.close();
    await context.close();
  }
});

/** The words `mi status --watch` prints for each offline reason, read from the CLI's source. */
function cliOfflineReasonWords() {
  const source = readFileSync(path.join(repoRoot, 'cli/colony_view.cpp'), 'utf8');
  const words = {};
  for (const [, reason, text] of source.matchAll(/\*reason == "([a-z_]+)"\) return " \(([^)"]+)\)";/g)) words[reason] = text;
  return words;
}

/** Records the `watch` messages the page sends. */
function recordWatches(page) {
  const watches = [];
  page.on('websocket', (socket) => {
    socket.on('framesent', (frame) => {
      try {
        const message = JSON.parse(frame.payload);
        if (message.type === 'watch') watches.push(message);
      } catch {
        // not ours
      }
    });
  });
  return watches;
}

test('offline reasons in the words of `mi`, status meta as chips, one size for "last seen" and "not connected yet", a taken name said so', async () => {
  const cliWords = cliOfflineReasonWords();
  assert.deepEqual(Object.keys(cliWords).sort(), ['closed', 'drained', 'hub_lost', 'timeout', 'unhealthy']);
  // The pages' one table of these words.
  const { OFFLINE_REASON_WORDS } = await import('../../hub/http/web/assets/common.js');
  assert.deepEqual({ ...OFFLINE_REASON_WORDS }, cliWords, 'the pages word offline reasons as mi does');

  const { context, page } = await newPage(browser, hub);
  const lee = new TestAgent(hub.url);
  const taker = new TestAgent(hub.url);
  try {
    await lee.onboard((await hub.api('POST', '/v1/colonies/words/invites', {})).code, 'lee');
    await lee.clone(); // lee-2: hosted, never connected
    await page.goto('/colonies/words');
    await page.locator('#live[data-state="live"]').waitFor();
    await agentRow(page, 'lee-2').waitFor();

    // A status update: chips in the activity log, as on the agent's row, no JSON.
    lee.status({ status: 'reading', step: 3 });
    const update = page.locator('#activity li[data-event="update"]').first();
    await update.locator('.meta-chip[data-key="status"]').getByText('reading').waitFor({ timeout: 5000 });
    assert.match(await update.locator('.meta-chip[data-key="step"]').textContent(), /step: 3/);
    assert.doesNotMatch(await update.textContent(), /[{}"]/);

    // Offline: the reason in mi's words, on the row and in the log.
    await lee.close();
    await agentRow(page, 'lee', 'offline').waitFor({ timeout: 5000 });
    assert.equal(await agentRow(page, 'lee').locator('.offline-reason').textContent(), cliWords.closed);
    await page.locator('#activity').getByText(`lee went offline (${cliWords.closed})`).waitFor();

    // "not connected yet" (a clone no worker ran) and "last seen …" in the same type size.
    const sizes = await page.evaluate(() => ['lee', 'lee-2'].map((id) =>
      getComputedStyle(document.querySelector(`li.agent[data-agent-id="${id}"] .last-seen`)).fontSize));
    assert.equal(await agentRow(page, 'lee-2').locator('.last-seen').textContent(), 'not connected yet');
    assert.equal(sizes[0], sizes[1], `last seen ${sizes[0]} vs not connected yet ${sizes[1]}`);

    // Someone else asks for "lee": the hub names it lee-3; the page says why, and it is no clone.
    const welcome = await taker.onboard((await hub.api('POST', '/v1/colonies/words/invites', {})).code, 'lee');
    assert.equal(welcome.agent.id, 'lee-3');
    await agentRow(page, 'lee-3', 'online').waitFor({ timeout: 5000 });
    assert.equal(await agentRow(page, 'lee-3').locator('.renamed-note').textContent(), 'renamed: lee was taken');
    assert.doesNotMatch(await agentRow(page, 'lee-3').textContent(), /clone of/);
    await page.locator('#activity li[data-event="join"]').getByText('renamed: lee was taken').waitFor();
    // The clone lee-2 is not "renamed": it was named by cloning.
    assert.equal(await agentRow(page, 'lee-2').locator('.renamed-note').count(), 0);
    assert.deepEqual(page.pageErrors, []);
  } finally {
    await lee.close();
    await taker.close();
    await context.close();
  }
});

test('a clone nothing has started says what it waits for, with the command to run it', async () => {
  const { context, page } = await newPage(browser, hub);
  const kim = new TestAgent(hub.url);
  const worker = new TestAgent(hub.url);
  try {
    await kim.onboard((await hub.api('POST', '/v1/colonies/hosting/invites', {})).code, 'kim');
    await page.goto('/colonies/hosting');
    await page.locator('#live[data-state="live"]').waitFor();
    const cloned = await kim.clone();
    assert.equal(cloned.agent.id, 'kim-2');
    const waiting = agentRow(page, 'kim-2').getByTestId('clone-waiting');
    await waiting.waitFor({ timeout: 5000 });
    assert.match(await waiting.textContent(), /provisioner/);
    assert.match(await waiting.textContent(), /kim’s machine/);
    const command = 'mi agent run --credentials ~/.mi/clones/kim-2.json';
    assert.equal(await agentRow(page, 'kim-2').getByTestId('clone-run-command').textContent(), command);
    // The README tells the same story for its example clone.
    const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
    assert.ok(readme.includes('mi agent run --credentials ~/.mi/clones/jared-2.json'), 'README shows how jared-2 is run');
    assert.match(readme, /provisioner/);
    // The original agent is no clone: nothing to wait for.
    assert.equal(await agentRow(page, 'kim').getByTestId('clone-waiting').count(), 0);

    // A worker runs it: Online, and the note goes.
    await worker.hello(cloned.token);
    await agentRow(page, 'kim-2', 'online').waitFor({ timeout: 5000 });
    assert.equal(await agentRow(page, 'kim-2').getByTestId('clone-waiting').count(), 0);
    assert.deepEqual(page.pageErrors, []);
  } finally {
    await worker.close();
    await kim.close();
    await context.close();
  }
});

test('while the hub is gone the statuses are marked last known, the banner says one thing, and it resumes with since', async () => {
  const agent = new TestAgent(hub.url);
  await agent.onboard((await hub.api('POST', '/v1/colonies/outage/invites', {})).code, 'sol');
  const { context, page } = await newPage(browser, hub);
  const watches = recordWatches(page);
  const failedTokenCalls = [];
  page.on('requestfailed', (request) => {
    if (request.url().endsWith('/watch-token')) failedTokenCalls.push(request.url());
  });
  try {
    await page.goto('/colonies/outage');
    await page.locator('#live[data-state="live"]').waitFor();
    await agentRow(page, 'sol', 'online').waitFor();
    assert.equal(await agentRow(page, 'sol').getAttribute('data-stale'), 'false');
    assert.equal(await agentRow(page, 'sol').locator('.last-seen').textContent(), 'active now');

    await hub.killHub();
    const banner = page.locator('#reconnecting');
    await banner.waitFor({ state: 'visible', timeout: 5000 });
    const firstWords = await banner.textContent();
    assert.match(firstWords, /Reconnecting…/);
    assert.match(firstWords, /last known/);
    // The last known status, greyed and said so: not "active now".
    await agentRow(page, 'sol').and(page.locator('[data-stale="true"]')).waitFor({ timeout: 5000 });
    assert.equal(await agentRow(page, 'sol').locator('.last-seen').textContent(), 'last known');
    assert.match(await agentRow(page, 'sol').getAttribute('aria-label'), /last known/);
    // Two more failed tries later, the banner still says the same thing.
    const failedBefore = failedTokenCalls.length;
    for (let i = 0; i < 100 && failedTokenCalls.length < failedBefore + 2; i += 1) await sleep(100);
    assert.ok(failedTokenCalls.length >= failedBefore + 2, 'it tried again twice');
    assert.equal(await banner.textContent(), firstWords);

    await hub.startHubAgain();
    await page.locator('#live[data-state="live"]').waitFor({ timeout: 15000 });
    await banner.waitFor({ state: 'hidden' });
    assert.equal(typeof watches.at(-1).since, 'number', 'it resumed with since');
    await agentRow(page, 'sol').and(page.locator('[data-stale="false"]')).waitFor();
    assert.notEqual(await agentRow(page, 'sol').locator('.last-seen').textContent(), 'last known');
    assert.deepEqual(page.pageErrors, []);
  } finally {
    await agent.close();
    await context.close();
  }
});

test('a frozen hub (SIGSTOP) is noticed: no answer to a ping within its deadline, and the page says so', async () => {
  const agent = new TestAgent(hub.url);
  await agent.onboard((await hub.api('POST', '/v1/colonies/frozen/invites', {})).code, 'ice');
  const { context, page } = await newPage(browser, hub);
  let pongs = 0;
  page.on('websocket', (socket) => socket.on('framereceived', (frame) => {
    if (String(frame.payload).includes('"type":"pong"')) pongs += 1;
  }));
  try {
    // ?ping=1: a ping every second, answered within a second (5 s and 4 s by default).
    await page.goto('/colonies/frozen?ping=1');
    await page.locator('#live[data-state="live"]').waitFor();
    await agentRow(page, 'ice', 'online').waitFor();
    // The hub answers the pings while it runs: the page stays live.
    for (let i = 0; i < 60 && pongs < 2; i += 1) await sleep(100);
    assert.ok(pongs >= 2, 'the hub answered the page\'s pings');
    assert.equal(await page.locator('#live').getAttribute('data-state'), 'live');

    hub.pauseHub();
    try {
      await page.locator('#live[data-state="reconnecting"]').waitFor({ timeout: 5000 });
      const banner = page.locator('#reconnecting');
      await banner.waitFor({ state: 'visible' });
      assert.match(await banner.textContent(), /the hub stopped answering/);
      assert.equal(await page.locator('#live').textContent(), 'Reconnecting…');
      await agentRow(page, 'ice').and(page.locator('[data-stale="true"]')).waitFor();
      assert.equal(await page.getByText('active now').count(), 0);
    } finally {
      hub.resumeHub();
    }
    await page.locator('#live[data-state="live"]').waitFor({ timeout: 20000 });
    assert.deepEqual(page.pageErrors, []);
  } finally {
    await agent.close();
    await context.close();
  }
});

test('Remove takes an agent off the office after a confirmation; an online one has its connections closed', async () => {
  const { context, page } = await newPage(browser, hub);
  const gone = new TestAgent(hub.url);
  const busy = new TestAgent(hub.url);
  try {
    await gone.onboard((await hub.api('POST', '/v1/colonies/removals/invites', {})).code, 'gone');
    await gone.close();
    await busy.onboard((await hub.api('POST', '/v1/colonies/removals/invites', {})).code, 'busy');
    await page.goto('/colonies/removals');
    await page.locator('#live[data-state="live"]').waitFor();
    await agentRow(page, 'gone', 'offline').waitFor({ timeout: 5000 });

    // Dismissed: nothing happens.
    page.once('dialog', (dialog) => dialog.dismiss());
    await agentRow(page, 'gone').getByRole('button', { name: 'Remove agent gone' }).click();
    assert.ok((await hub.api('GET', '/v1/colonies/removals/agents')).agents.some((a) => a.id === 'gone'));

    let asked = '';
    page.once('dialog', (dialog) => { asked = dialog.message(); dialog.accept(); });
    await agentRow(page, 'gone').getByRole('button', { name: 'Remove agent gone' }).click();
    await agentRow(page, 'gone').waitFor({ state: 'detached', timeout: 5000 });
    assert.match(asked, /Remove gone from removals\?/);
    assert.ok(!(await hub.api('GET', '/v1/colonies/removals/agents')).agents.some((a) => a.id === 'gone'));
    await page.locator('#activity li[data-event="remove"]').getByText('gone was removed').waitFor();

    // Online: the question says so, and its socket is closed (4003).
    page.once('dialog', (dialog) => { asked = dialog.message(); dialog.accept(); });
    await agentRow(page, 'busy', 'online').getByRole('button', { name: 'Remove agent busy' }).click();
    await agentRow(page, 'busy').waitFor({ state: 'detached', timeout: 5000 });
    assert.match(asked, /busy is online/);
    assert.equal(await busy.closedWith(5000), 4003);
    assert.equal(await page.locator('#count-total').textContent(), '0');
    assert.deepEqual(page.pageErrors, []);
  } finally {
    await busy.close();
    await gone.close();
    await context.close();
  }
});
