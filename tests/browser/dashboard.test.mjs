// Dashboard (/colonies/{colony}): agents with Remote badges, Online/Offline, last seen, counts,
// the group chat, all changing live; it reconnects by itself with `since` after a drop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useHubAndBrowser, newPage, TestAgent, sleep } from './harness.mjs';

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
    await page.locator('#activity').getByText('jared went offline: connection closed').waitFor();
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
