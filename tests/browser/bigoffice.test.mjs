// An office of 10,000 agents on the dashboard, made through the real API (invites over HTTP,
// onboard and clone over WebSocket): the snapshot in parts drawn once, only the rows on screen in
// the document, the filter and the search, and 100 transitions a second for 10 s while a
// Chromium performance trace records the page's main thread, whose longest task must stay under
// 50 ms. The figures go to tests/browser/results/bigoffice.json.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { useHubAndBrowser, newPage, TestAgent, sleep, waitFor, repoRoot } from './harness.mjs';

const COLONY = 'big';
/** Remote agents, each onboarded with an invite of its own. */
const REMOTE = 8000;
/** Every fourth of them clones itself once: hosted agents. */
const CLONE_EVERY = 4;
const TOTAL = REMOTE + REMOTE / CLONE_EVERY;
/** Invites and onboards in flight at once. */
const CONCURRENCY = 100;
/** Agents that come and go while the page is open, about half of them connected at a time. */
const POOL = 600;
const TRANSITIONS_PER_SECOND = 100;
const CHURN_SECONDS = 10;
/** Agents per snapshot part: the hub's --snapshot-part-agents default. */
const PART_AGENTS = 1000;
const LONG_TASK_MS = 50;
/** Which time of a task the 50 ms budget is asserted on: cpu (default) or wall (see the assertion). */
const LONG_TASK_CLOCK = process.env.MI_LONG_TASK_CLOCK === 'wall' ? 'wall' : 'cpu';

let hub;
let browser;
// A presence TTL of 10 s with a heartbeat every 3 s: hundreds of connected agents at little cost.
useHubAndBrowser((started) => ({ hub, browser } = started), { presenceTtl: 10 });

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });
/** Every agent the test made: id -> { kind, token }. */
const made = new Map();
/** Agents of the pool connected now: id -> TestAgent. */
const connected = new Map();
const pool = [];
const figures = {};

/** Runs fn(i) for i in [0, count) with at most `limit` at a time. */
async function bounded(count, limit, fn) {
  let next = 0;
  async function worker() {
    while (next < count) {
      const index = next;
      next += 1;
      await fn(index);
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
}

async function connect(id) {
  const agent = new TestAgent(hub.url, { heartbeatMs: 3000 });
  await agent.hello(made.get(id).token);
  connected.set(id, agent);
}

/**
 * Makes the office once, for the first test that needs it (the hub is started by the harness's
 * before hook, which a before hook of this file would not wait for).
 */
let madeOnce = null;
const office = () => (madeOnce ||= makeOffice());

async function makeOffice() {
  const started = Date.now();
  await bounded(REMOTE, CONCURRENCY, async (index) => {
    const n = index + 1;
    const invite = await hub.api('POST', `/v1/colonies/${COLONY}/invites`, {});
    const agent = new TestAgent(hub.url, { heartbeatMs: 3000 });
    const welcome = await agent.onboard(invite.code, `agent-${n}`);
    made.set(welcome.agent.id, { kind: welcome.agent.kind, token: welcome.token });
    if (n % CLONE_EVERY === 1) {
      const cloned = await agent.clone();
      made.set(cloned.agent.id, { kind: cloned.agent.kind, token: cloned.token });
    }
    await agent.close();
  });
  figures.onboardSeconds = (Date.now() - started) / 1000;
  // The pool: the first remote agents of the list (on screen when the page opens) and others
  // spread over the office; half of them connected before the page opens.
  const remote = [...made].filter(([, agent]) => agent.kind === 'remote').map(([id]) => id).sort(collator.compare);
  pool.push(...remote.slice(0, POOL / 2));
  const rest = remote.slice(POOL / 2);
  for (let k = 0; k < POOL / 2; k += 1) pool.push(rest[Math.floor((k * rest.length) / (POOL / 2))]);
  await bounded(POOL / 2, CONCURRENCY, (index) => connect(pool[index * 2]));
  figures.setupSeconds = (Date.now() - started) / 1000;
  console.log(`# setup: ${made.size} agents in ${figures.onboardSeconds.toFixed(1)} s, ${connected.size} connected after ${figures.setupSeconds.toFixed(1)} s`);
}

after(async () => {
  await Promise.all([...connected.values()].map((agent) => agent.close().catch(() => {})));
});

const ids = () => [...made.keys()].sort(collator.compare);
const rowCount = (page) => page.locator('#agents li.agent').count();
const count = async (page, what) => Number(await page.locator(`#count-${what}`).textContent());
const shownCount = async (page) => Number(await page.locator('#agents-shown').getAttribute('data-count'));

async function openDashboard(page) {
  await page.goto(`/colonies/${COLONY}`);
  await page.locator('#live[data-state="live"]').waitFor({ timeout: 30000 });
  await waitFor(async () => (await count(page, 'total')) === TOTAL, { what: `${TOTAL} agents counted`, timeout: 30000 });
}

test('the snapshot of 10,000 agents comes in parts and the page draws it once, after the last', async () => {
  await office();
  assert.equal(made.size, TOTAL, 'every agent was made');
  const { context, page } = await newPage(browser, hub);
  // The hub sends the snapshot in parts of --snapshot-part-agents (1,000 by default). The route
  // passes them on, holding each part a little (the page must not draw in between), and puts an
  // event of the snapshot's own seq after the last part (an event the snapshot already holds,
  // which the page must drop): the first connected agent going offline.
  const sent = { parts: 0, seq: null, snapshot: null };
  const quiet = pool[0];
  await page.routeWebSocket(/\/v1\/ws$/, (socket) => {
    const server = socket.connectToServer();
    socket.onMessage((message) => server.send(message));
    let forwarding = Promise.resolve();
    server.onMessage((message) => {
      forwarding = forwarding.then(async () => {
        const data = typeof message === 'string' ? JSON.parse(message) : null;
        if (data && data.type === 'snapshot') {
          sent.seq = data.seq;
          sent.snapshot = data;
          sent.parts = 1;
          sent.expected = data.parts;
          sent.agents = [...data.agents];
        } else if (data && data.type === 'snapshot_part' && data.seq === sent.seq) {
          await sleep(40);
          sent.parts += 1;
          sent.agents.push(...data.agents);
        }
        socket.send(message);
        if (sent.snapshot && sent.parts === sent.expected && data && data.type.startsWith('snapshot')) {
          const stale = sent.agents.find((agent) => agent.id === quiet);
          const { colony, seq, epoch } = sent.snapshot;
          socket.send(JSON.stringify({ type: 'event', event: 'offline', colony, seq, epoch, ts: Date.now(), reason: 'closed', agent: { ...stale, status: 'offline' } }));
        }
      });
    });
  });
  // Every total the page ever shows, from its first paint.
  await page.addInitScript(() => {
    window.totalsShown = [];
    document.addEventListener('DOMContentLoaded', () => {
      const node = document.getElementById('count-total');
      new MutationObserver(() => window.totalsShown.push(node.textContent)).observe(node, { childList: true, characterData: true, subtree: true });
    });
  });
  try {
    const opened = Date.now();
    await openDashboard(page);
    console.log(`# dashboard live with ${TOTAL} agents (${sent.parts} parts) in ${((Date.now() - opened) / 1000).toFixed(1)} s`);
    assert.equal(sent.parts, Math.ceil(TOTAL / PART_AGENTS));
    assert.deepEqual(await page.evaluate(() => window.totalsShown), [String(TOTAL)], 'no count of a part was ever shown');
    assert.equal(await count(page, 'online'), POOL / 2);
    // The event of the snapshot's seq was dropped: the agent is still online. The barrier is a
    // real event the hub sends after it on the same socket: another agent going offline.
    await page.locator(`#agents li.agent[data-agent-id="${quiet}"][data-status="online"]`).waitFor();
    const barrier = pool.find((id) => id !== quiet && connected.has(id));
    const leaving = connected.get(barrier);
    connected.delete(barrier);
    await leaving.close();
    await waitFor(async () => (await count(page, 'online')) <= POOL / 2 - 1, { what: 'the barrier event', timeout: 10000 });
    assert.equal(await count(page, 'online'), POOL / 2 - 1);
    assert.equal(await page.locator(`#agents li.agent[data-agent-id="${quiet}"]`).getAttribute('data-status'), 'online');
    assert.ok((await rowCount(page)) < 200);
    assert.deepEqual(page.pageErrors, []);
  } finally {
    await context.close();
  }
});

test('a snapshot part out of order drops the socket; an event before the last part waits for it, one of the snapshot\'s seq is dropped', async () => {
  // A small office of its own, and a route that plays the hub's watch: the parts are the test's.
  const names = ['p-1', 'p-2', 'p-3', 'p-4', 'p-5', 'p-6'];
  const small = [];
  for (const name of names) {
    const agent = new TestAgent(hub.url);
    await agent.onboard((await hub.api('POST', '/v1/colonies/parts/invites', {})).code, name);
    await agent.close();
    small.push({ ...agent.agent, status: 'online', last_seen: Date.now(), reconnecting: false });
  }
  const { context: partsContext, page: partsPage } = await newPage(browser, hub);
  const seq = 500;
  const watches = [];
  const closedByPage = [];
  const snapshotOf = (from, to) => small.slice(from, to);
  const event = (n, id, kind) => ({ type: 'event', event: kind, colony: 'parts', seq: n, epoch: 'e1', ts: Date.now(), reason: 'closed', agent: { ...small.find((a) => a.id === id), status: 'offline' } });
  await partsPage.routeWebSocket(/\/v1\/ws$/, (socket) => {
    socket.onClose(() => closedByPage.push(watches.length));
    socket.onMessage(async (message) => {
      const data = JSON.parse(message);
      if (data.type === 'ping') socket.send(JSON.stringify({ type: 'pong', id: data.id }));
      if (data.type !== 'watch') return;
      watches.push(data);
      const head = { type: 'snapshot', colony: 'parts', seq, epoch: 'e1', parts: 3, agents: snapshotOf(0, 2) };
      const part = (i) => ({ type: 'snapshot_part', colony: 'parts', seq, part: i, agents: snapshotOf((i - 1) * 2, i * 2) });
      if (watches.length === 1) {
        // Part 3 where part 2 was due.
        socket.send(JSON.stringify(head));
        await sleep(200);
        socket.send(JSON.stringify(part(3)));
        return;
      }
      socket.send(JSON.stringify(head));
      await sleep(150);
      socket.send(JSON.stringify(event(seq + 1, 'p-2', 'offline'))); // early: must wait for the last part
      await sleep(150);
      socket.send(JSON.stringify(part(2)));
      await sleep(150);
      socket.send(JSON.stringify(part(3)));
      socket.send(JSON.stringify(event(seq, 'p-5', 'offline'))); // the snapshot's own seq: dropped
      socket.send(JSON.stringify(event(seq + 2, 'p-3', 'offline'))); // the barrier: after it, all is read
    });
  });
  await partsPage.addInitScript(() => {
    window.totalsShown = [];
    document.addEventListener('DOMContentLoaded', () => {
      const node = document.getElementById('count-total');
      new MutationObserver(() => window.totalsShown.push(node.textContent)).observe(node, { childList: true, characterData: true, subtree: true });
    });
  });
  try {
    await partsPage.goto('/colonies/parts');
    await partsPage.locator('#live[data-state="live"]').waitFor({ timeout: 15000 });
    await partsPage.locator('#agents li.agent[data-agent-id="p-2"][data-status="offline"]').waitFor({ timeout: 5000 });
    await partsPage.locator('#agents li.agent[data-agent-id="p-3"][data-status="offline"]').waitFor({ timeout: 5000 });
    assert.equal(watches.length, 2, 'it watched again after the part out of order');
    assert.ok(closedByPage.includes(1), 'the page closed the first socket');
    assert.equal(watches[1].since, watches[0].since, 'with the since it had before that snapshot');
    assert.deepEqual(await partsPage.evaluate(() => window.totalsShown), ['6'], 'no part was drawn alone');
    assert.equal(await count(partsPage, 'online'), 4);
    assert.equal(await partsPage.locator('#agents li.agent[data-agent-id="p-5"]').getAttribute('data-status'), 'online');
    assert.deepEqual(partsPage.pageErrors, []);
  } finally {
    await partsContext.close();
  }
});

test('ids the natural order counts as equal (n-1, n-01) stay two agents through events and the filter', async () => {
  const agents = [];
  for (const name of ['n-1', 'n-01', 'n-001']) {
    const agent = new TestAgent(hub.url);
    await agent.onboard((await hub.api('POST', '/v1/colonies/numbers/invites', {})).code, name);
    assert.equal(agent.agent.id, name);
    agents.push(agent);
  }
  const { context: numbersContext, page: numbersPage } = await newPage(browser, hub);
  const row = (id) => numbersPage.locator(`#agents li.agent[data-agent-id="${id}"]`);
  try {
    await numbersPage.goto('/colonies/numbers');
    await numbersPage.locator('#live[data-state="live"]').waitFor();
    await numbersPage.locator('#agents-filter').selectOption('online');
    await waitFor(async () => (await shownCount(numbersPage)) === 3, { what: '3 online', timeout: 5000 });
    await agents[1].close(); // n-01
    await row('n-01').waitFor({ state: 'detached', timeout: 5000 });
    assert.equal(await shownCount(numbersPage), 2);
    assert.deepEqual((await numbersPage.locator('#agents li.agent').evaluateAll((items) => items.map((item) => item.dataset.agentId))).sort(), ['n-001', 'n-1']);
    await numbersPage.locator('#agents-filter').selectOption('offline');
    await row('n-01').waitFor({ timeout: 5000 });
    assert.equal(await shownCount(numbersPage), 1);
    assert.equal(await count(numbersPage, 'online'), 2);
    assert.deepEqual(numbersPage.pageErrors, []);
  } finally {
    for (const agent of agents) await agent.close();
    await numbersContext.close();
  }
});

let page;
let context;

test('only the rows on screen are in the document; scrolling to the end shows the last agents', async () => {
  await office();
  ({ context, page } = await newPage(browser, hub));
  const historyAsked = new Set();
  page.on('request', (request) => {
    const match = /\/agents\/([^/]+)\/history\?/.exec(request.url());
    if (match) historyAsked.add(decodeURIComponent(match[1]));
  });
  // For the record, not asserted: the long tasks of opening (the whole snapshot parsed, sorted, drawn).
  await page.addInitScript(() => {
    window.longTasks = [];
    new PerformanceObserver((list) => window.longTasks.push(...list.getEntries().map((entry) => entry.duration))).observe({ type: 'longtask', buffered: true });
  });
  await openDashboard(page);
  const all = ids();
  // The first agents, in natural order, and far fewer rows than agents.
  await page.locator(`#agents li.agent[data-agent-id="${all[0]}"]`).waitFor();
  const rows = await rowCount(page);
  figures.domRows = rows;
  figures.openLongestTaskMs = Math.round(Math.max(0, ...await page.evaluate(() => window.longTasks)));
  assert.ok(rows > 5 && rows < 200, `${rows} rows in the document`);
  const firstIds = await page.locator('#agents li.agent').evaluateAll((items) => items.map((item) => item.dataset.agentId));
  assert.deepEqual(firstIds, all.slice(0, firstIds.length));
  // The rows on screen load their 24 hours; the office does not ask for 10,000 histories.
  await page.locator(`#agents li.agent[data-agent-id="${all[0]}"] [data-testid="uptime"][data-state="loaded"]`).waitFor({ timeout: 15000 });

  // To the end: the last agents, on screen.
  const viewport = page.locator('#agents-viewport');
  const last = all.at(-1);
  await waitFor(async () => {
    await viewport.evaluate((box) => { box.scrollTop = box.scrollHeight; });
    return (await page.locator(`#agents li.agent[data-agent-id="${last}"]`).count()) === 1;
  }, { what: `the row of ${last}`, timeout: 10000 });
  const lastRow = page.locator(`#agents li.agent[data-agent-id="${last}"]`);
  await waitFor(async () => {
    const box = await viewport.boundingBox();
    const row = await lastRow.boundingBox();
    return row && row.y >= box.y - 1 && row.y + row.height <= box.y + box.height + 1;
  }, { what: `${last} in view`, timeout: 5000 });
  const endIds = await page.locator('#agents li.agent').evaluateAll((items) => items.map((item) => item.dataset.agentId));
  assert.deepEqual(endIds, all.slice(-endIds.length), 'the last agents, in order');
  assert.ok(endIds.length < 200);
  assert.equal(await lastRow.getAttribute('aria-posinset'), String(TOTAL));
  // On screen, it loads its 24 hours.
  await lastRow.locator('[data-testid="uptime"][data-state="loaded"]').waitFor({ timeout: 15000 });
  // The middle of the list.
  await viewport.evaluate((box) => { box.scrollTop = box.scrollHeight / 2; });
  await waitFor(async () => {
    const middle = await page.locator('#agents li.agent').evaluateAll((items) => items.map((item) => Number(item.getAttribute('aria-posinset'))));
    return middle.length && middle[0] > TOTAL / 4 && middle.at(-1) < TOTAL * 0.75;
  }, { what: 'rows from the middle', timeout: 5000 });
  assert.ok((await rowCount(page)) < 200);
  await viewport.evaluate((box) => { box.scrollTop = 0; });
  await page.locator(`#agents li.agent[data-agent-id="${all[0]}"]`).waitFor();
  // Histories were asked for the rows that were on screen (three screens of them), not the office.
  await sleep(500);
  figures.historiesAsked = historyAsked.size;
  assert.ok(historyAsked.has(all[0]) && historyAsked.has(last), 'the first and the last rows asked for their history');
  assert.ok(historyAsked.size < 3 * rows, `${historyAsked.size} histories asked for`);
  assert.deepEqual(page.pageErrors, []);
});

test('the filter and the search give the right counts', async () => {
  const all = ids();
  const online = new Set(connected.keys());
  const expect = {
    all: all.length,
    online: online.size,
    offline: all.length - online.size,
    remote: all.filter((id) => made.get(id).kind === 'remote').length,
    hosted: all.filter((id) => made.get(id).kind === 'hosted').length,
  };
  assert.equal(expect.hosted, REMOTE / CLONE_EVERY);
  // Each choice of the filter says how many it would show.
  const choices = await page.locator('#agents-filter option').evaluateAll((options) => options.map((option) => [option.value, option.textContent]));
  const label = { all: 'All agents', online: 'Online', offline: 'Offline', remote: 'Remote', hosted: 'Hosted' };
  assert.deepEqual(choices, Object.entries(expect).map(([kind, n]) => [kind, `${label[kind]} (${n.toLocaleString('en-US')})`]));
  for (const [kind, wanted] of Object.entries(expect)) {
    await page.locator('#agents-filter').selectOption(kind);
    await waitFor(async () => (await shownCount(page)) === wanted, { what: `${wanted} ${kind}`, timeout: 5000 });
    const shown = await page.locator('#agents li.agent').evaluateAll((items) => items.map((item) => [item.dataset.agentId, item.dataset.status, item.dataset.kind]));
    assert.ok(shown.length > 0 && shown.length < 200, `${kind}: ${shown.length} rows`);
    const match = {
      all: () => true,
      online: ([id]) => online.has(id),
      offline: ([id]) => !online.has(id),
      remote: ([, , k]) => k === 'remote',
      hosted: ([, , k]) => k === 'hosted',
    }[kind];
    assert.ok(shown.every(match), `${kind}: every row shown is ${kind}`);
    if (kind === 'online') assert.ok(shown.every(([, status]) => status === 'online'));
    assert.deepEqual(shown.map(([id]) => id), all.filter((id) => kind === 'all' || match([id, null, made.get(id).kind])).slice(0, shown.length));
    // The counts on top stay those of the office.
    assert.equal(await count(page, 'total'), TOTAL);
  }
  // The search: a piece of the name, any case, with or without a filter.
  const searches = [['all', 'AGENT-77'], ['all', '-2'], ['hosted', 'agent-1'], ['online', '1'], ['all', 'nobody-here']];
  for (const [kind, words] of searches) {
    await page.locator('#agents-filter').selectOption(kind);
    await page.locator('#agents-search').fill(words);
    const wanted = all.filter((id) => id.toLowerCase().includes(words.toLowerCase())
      && (kind === 'all' || (kind === 'online' ? online.has(id) : made.get(id).kind === kind)));
    await waitFor(async () => (await shownCount(page)) === wanted.length, { what: `${wanted.length} for ${kind} "${words}"`, timeout: 5000 });
    const shown = await page.locator('#agents li.agent').evaluateAll((items) => items.map((item) => item.dataset.agentId));
    assert.deepEqual(shown, wanted.slice(0, shown.length), `${kind} "${words}"`);
    assert.equal(await page.locator('#agents-nomatch').isVisible(), wanted.length === 0);
  }
  await page.locator('#agents-search').fill('');
  await page.locator('#agents-filter').selectOption('all');
  await waitFor(async () => (await shownCount(page)) === TOTAL, { what: 'all agents again', timeout: 5000 });
  assert.deepEqual(page.pageErrors, []);
});

/**
 * The renderer's main-thread tasks in a Chromium trace: the complete events of RunTask (category
 * devtools.timeline; ThreadControllerImpl::RunTask in toplevel) on the CrRendererMain thread of
 * the process that shows the dashboard. Durations are wall time, in ms.
 */
function mainThreadTasks(trace) {
  const events = trace.traceEvents || trace;
  const mains = new Set();
  for (const event of events) {
    if (event.ph === 'M' && event.name === 'thread_name' && event.args?.name === 'CrRendererMain') mains.add(`${event.pid}:${event.tid}`);
  }
  // The dashboard's renderer, as the trace's start names its frames; every renderer otherwise.
  const pages = new Set();
  for (const event of events) {
    for (const frame of event.args?.data?.frames || []) {
      if (String(frame.url || '').includes(`/colonies/${COLONY}`) && frame.processId) pages.add(frame.processId);
    }
  }
  const tasks = [];
  for (const event of events) {
    if (event.ph !== 'X' || (event.name !== 'RunTask' && event.name !== 'ThreadControllerImpl::RunTask')) continue;
    if (!mains.has(`${event.pid}:${event.tid}`)) continue;
    if (pages.size && !pages.has(event.pid)) continue;
    tasks.push({ ms: (event.dur || 0) / 1000, cpuMs: typeof event.tdur === 'number' ? event.tdur / 1000 : null, ts: event.ts });
  }
  return tasks;
}

test('100 transitions a second for 10 s: the counts follow, and no task of the page takes 50 ms', async () => {
  const all = ids();
  // The first rows on screen are agents of the pool: their rows change under the reader's eyes.
  await page.locator(`#agents li.agent[data-agent-id="${all[0]}"]`).waitFor();
  await waitFor(async () => (await count(page, 'online')) === connected.size, { what: 'the online count before', timeout: 10000 });

  // The two categories that name the main thread's tasks (the disabled-by-default ones would add
  // the tracer's own work to the tasks it measures).
  await browser.startTracing(page, { categories: ['toplevel', 'devtools.timeline'] });
  const busy = new Set();
  let transitions = 0;
  let failures = 0;
  const transition = async () => {
    // A connected agent closes, or one of the pool comes back, about as often.
    const closing = connected.size > 0 && (Math.random() < 0.5 || connected.size === pool.length);
    const candidates = closing ? [...connected.keys()] : pool.filter((id) => !connected.has(id));
    const free = candidates.filter((id) => !busy.has(id));
    if (!free.length) return;
    const id = free[Math.floor(Math.random() * free.length)];
    busy.add(id);
    try {
      if (closing) {
        const agent = connected.get(id);
        connected.delete(id);
        await agent.close();
      } else {
        await connect(id);
      }
      transitions += 1;
    } catch {
      failures += 1;
    } finally {
      busy.delete(id);
    }
  };
  const started = Date.now();
  const inFlight = [];
  const perTick = TRANSITIONS_PER_SECOND / 10;
  while (Date.now() - started < CHURN_SECONDS * 1000) {
    const tick = Date.now();
    for (let i = 0; i < perTick; i += 1) inFlight.push(transition());
    await sleep(Math.max(0, 100 - (Date.now() - tick)));
  }
  await Promise.all(inFlight);
  const churnSeconds = (Date.now() - started) / 1000;
  const traceText = String(await browser.stopTracing());
  const trace = JSON.parse(traceText);

  // The counts settle on what the test knows, from the events alone.
  const expected = connected.size;
  await waitFor(async () => (await count(page, 'online')) === expected, { what: `${expected} online`, timeout: 20000 });
  assert.equal(await count(page, 'offline'), TOTAL - expected);
  assert.equal(await page.locator('#agents-filter option[value="online"]').textContent(), `Online (${expected})`);
  assert.equal(await count(page, 'total'), TOTAL);
  await page.locator('#agents-filter').selectOption('online');
  await waitFor(async () => (await shownCount(page)) === expected, { what: `${expected} shown online`, timeout: 5000 });
  const onlineShown = await page.locator('#agents li.agent').evaluateAll((items) => items.map((item) => item.dataset.agentId));
  assert.deepEqual(onlineShown, all.filter((id) => connected.has(id)).slice(0, onlineShown.length));
  await page.locator('#agents-filter').selectOption('all');
  assert.ok((await rowCount(page)) < 200);

  const tasks = mainThreadTasks(trace);
  assert.ok(tasks.length > 100, `the trace holds the page's tasks (${tasks.length})`);
  const longest = tasks.reduce((worst, task) => (task.ms > worst.ms ? task : worst), { ms: 0, cpuMs: null });
  const timed = tasks.filter((task) => task.cpuMs !== null);
  const haveCpu = timed.length > tasks.length / 2;
  // A trace without thread times (tdur) leaves only the wall clock.
  const clock = haveCpu ? LONG_TASK_CLOCK : 'wall';
  const longestCpu = haveCpu ? timed.reduce((worst, task) => Math.max(worst, task.cpuMs), 0) : null;
  Object.assign(figures, {
    agents: TOTAL,
    transitions,
    transitionFailures: failures,
    transitionsPerSecond: Number((transitions / churnSeconds).toFixed(1)),
    churnSeconds: Number(churnSeconds.toFixed(1)),
    onlineAtEnd: expected,
    mainThreadTasks: tasks.length,
    longestTaskMs: Number(longest.ms.toFixed(1)),
    longestTaskCpuMs: longestCpu === null ? null : Number(longestCpu.toFixed(1)),
    tasksOver50ms: tasks.filter((task) => task.ms >= LONG_TASK_MS).length,
    tasksOver50msCpu: haveCpu ? timed.filter((task) => task.cpuMs >= LONG_TASK_MS).length : null,
    longTaskClock: clock,
  });
  const resultsDir = path.join(repoRoot, 'tests/browser/results');
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(path.join(resultsDir, 'bigoffice.json'), `${JSON.stringify(figures, null, 2)}\n`);
  // A trace with a long task is kept beside it, to open in chrome://tracing or Perfetto.
  const tracePath = path.join(resultsDir, 'bigoffice-trace.json');
  if (longest.ms >= LONG_TASK_MS) writeFileSync(tracePath, traceText);
  else rmSync(tracePath, { force: true }); // not one of an earlier run
  console.log(`# ${JSON.stringify(figures)}`);
  assert.ok(transitions >= TRANSITIONS_PER_SECOND * CHURN_SECONDS * 0.8, `${transitions} transitions made`);
  // How it is measured: the trace's RunTask events on the dashboard renderer's CrRendererMain
  // thread (mainThreadTasks), from startTracing to stopTracing, i.e. the 10 s of transitions.
  // Each has `dur`, wall time, and `tdur`, the time the main thread ran in it (CPU time). Wall
  // time also counts the time the renderer waited for a core: this test shares the machine with
  // the hub, Redis and the Node process making the transitions (and a CI runner with whatever else
  // runs), and on a loaded two-core machine a task of 5 ms of CPU was seen taking 459 ms of wall
  // time. So the 50 ms budget is asserted on the CPU time of the longest task by default, which is
  // the page's own work; both figures, and the count of tasks at 50 ms or more by each clock, are
  // in tests/browser/results/bigoffice.json. MI_LONG_TASK_CLOCK=wall asserts the wall time instead
  // (21 to 47 ms in most runs made with this test on a shared two-core machine; over 50 ms only
  // while other work held the cores, with the CPU time of the same tasks under 25 ms).
  const measuredMs = clock === 'cpu' ? longestCpu : longest.ms;
  assert.ok(measuredMs < LONG_TASK_MS, `longest main-thread task ${measuredMs.toFixed(1)} ms (${clock} time; wall ${longest.ms.toFixed(1)} ms)`);
  assert.deepEqual(page.pageErrors, []);
  await context.close();
});
