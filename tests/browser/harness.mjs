// Test harness for the browser tests and the screenshots: a real redis-server on a free port in
// a temp dir, a real mi-hub in front of it, test agents speaking the agent protocol over `ws`,
// and Debian's chromium driven by playwright-core.
import { spawn } from 'node:child_process';
import { before, after } from 'node:test';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '../..');

export const HUB_BINARY = path.resolve(here, process.env.MI_HUB_BINARY || '../../build/bin/mi-hub');
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const ADMIN_TOKEN = 'browser-test-admin-token';

/** A TCP port nothing listens on right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitFor(check, { timeout = 15000, interval = 50, what = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  let lastError;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    await sleep(interval);
  }
  throw new Error(`timed out waiting for ${what}${lastError ? `: ${lastError.message}` : ''}`);
}

function tcpAnswers(port, payload, expect) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = '';
    socket.setTimeout(500);
    socket.on('connect', () => socket.write(payload));
    socket.on('data', (chunk) => {
      data += chunk;
      if (data.includes(expect)) {
        socket.destroy();
        resolve(true);
      }
    });
    socket.on('timeout', () => { socket.destroy(); resolve(false); });
    socket.on('error', () => resolve(false));
    socket.on('close', () => resolve(data.includes(expect)));
  });
}

function stopProcess(child, signal = 'SIGTERM', grace = 5000) {
  return new Promise((resolve) => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), grace);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(signal);
  });
}

/**
 * Starts redis-server and mi-hub. Returns { url, port, adminToken, api(), stop(), hubLog() }.
 * MI_WEB_DIR (e.g. hub/http/web) makes the hub serve the pages from a folder instead of its
 * compiled-in copies.
 */
export async function startHub({ presenceTtl = 2, extraArgs = [] } = {}) {
  if (!existsSync(HUB_BINARY)) {
    throw new Error(`mi-hub is not built at ${HUB_BINARY}: run scripts/build, or set MI_HUB_BINARY`);
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mi-browser-'));
  const redisPort = await freePort();
  const redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  await waitFor(() => tcpAnswers(redisPort, 'PING\r\n', '+PONG'), { what: 'redis-server' });

  const port = await freePort();
  const args = [
    '--listen', `127.0.0.1:${port}`,
    '--redis', `redis://127.0.0.1:${redisPort}`,
    '--data-dir', dir,
    '--admin-token', ADMIN_TOKEN,
    '--presence-ttl', String(presenceTtl),
    ...extraArgs,
  ];
  if (process.env.MI_WEB_DIR) args.push('--web-dir', path.resolve(repoRoot, process.env.MI_WEB_DIR));
  let log = '';
  const url = `http://127.0.0.1:${port}`;
  let hub = null;
  async function launch() {
    hub = spawn(HUB_BINARY, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    hub.stdout.on('data', (chunk) => { log += chunk; });
    hub.stderr.on('data', (chunk) => { log += chunk; });
    const child = hub;
    await waitFor(async () => {
      if (child.exitCode !== null) throw new Error(`mi-hub exited with ${child.exitCode}: ${log}`);
      const response = await fetch(`${url}/readyz`);
      return response.ok;
    }, { what: 'mi-hub /readyz' });
  }
  try {
    await launch();
  } catch (error) {
    await stopProcess(hub, 'SIGKILL');
    await stopProcess(redis, 'SIGKILL');
    throw error;
  }

  async function api(method, apiPath, body) {
    const response = await fetch(url + apiPath, {
      method,
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const data = await response.json().catch(() => null);
    if (!response.ok) throw new Error(`${method} ${apiPath}: ${response.status} ${JSON.stringify(data)}`);
    return data;
  }

  return {
    url,
    port,
    adminToken: ADMIN_TOKEN,
    api,
    hubLog: () => log,
    /** Stops the hub (SIGTERM: it drains, closing sockets with 1012). Redis keeps the state. */
    async stopHub() {
      await stopProcess(hub);
    },
    /** Kills the hub (SIGKILL, a crash): sockets end without a closing handshake, nothing drains. */
    async killHub() {
      await stopProcess(hub, 'SIGKILL');
    },
    /** Freezes the hub (SIGSTOP): its sockets stay open and nothing answers on them. */
    pauseHub() {
      process.kill(hub.pid, 'SIGSTOP');
    },
    /** Thaws a frozen hub (SIGCONT). */
    resumeHub() {
      process.kill(hub.pid, 'SIGCONT');
    },
    /** Starts the hub again on the same port and Redis. */
    async startHubAgain() {
      await launch();
    },
    async stop() {
      if (hub && hub.exitCode === null && hub.signalCode === null) process.kill(hub.pid, 'SIGCONT');
      await stopProcess(hub);
      await stopProcess(redis);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A test agent: a `ws` client speaking the agent messages. It sends a heartbeat every
 * heartbeatMs while connected so that it stays online under --presence-ttl 2.
 */
export class TestAgent {
  constructor(hubUrl, { heartbeatMs = 400 } = {}) {
    this.wsUrl = hubUrl.replace(/^http/, 'ws') + '/v1/ws';
    this.heartbeatMs = heartbeatMs;
    this.socket = null;
    this.token = null;
    this.agent = null;
    this.colony = null;
    this.inbox = [];
    this.waiters = [];
    this.timer = null;
  }

  async open() {
    const socket = new WebSocket(this.wsUrl);
    this.socket = socket;
    socket.on('message', (data) => {
      let message;
      try {
        message = JSON.parse(String(data));
      } catch {
        return;
      }
      this.inbox.push(message);
      for (const waiter of [...this.waiters]) {
        if (waiter.match(message)) {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          waiter.resolve(message);
        }
      }
    });
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    this.timer = setInterval(() => {
      if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: 'heartbeat' }));
    }, this.heartbeatMs);
    this.closeCode = new Promise((resolve) => socket.on('close', (code) => {
      clearInterval(this.timer);
      resolve(code);
    }));
  }

  /** The close code the hub ended the socket with, or null if it stays open for `timeout` ms. */
  async closedWith(timeout = 5000) {
    let timer;
    const expired = new Promise((resolve) => { timer = setTimeout(() => resolve(null), timeout); });
    const code = await Promise.race([this.closeCode, expired]);
    clearTimeout(timer);
    return code;
  }

  next(match, timeout = 10000) {
    const found = this.inbox.find(match);
    if (found) {
      this.inbox.splice(this.inbox.indexOf(found), 1);
      return Promise.resolve(found);
    }
    return new Promise((resolve, reject) => {
      const waiter = { match, resolve };
      this.waiters.push(waiter);
      setTimeout(() => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) {
          this.waiters.splice(index, 1);
          reject(new Error(`agent: no matching message within ${timeout} ms; got ${JSON.stringify(this.inbox.slice(-5))}`));
        }
      }, timeout);
    });
  }

  send(message) {
    this.socket.send(JSON.stringify(message));
  }

  async request(message, replyType) {
    const id = `r${Math.random().toString(36).slice(2)}`;
    this.send({ ...message, id });
    const reply = await this.next((m) => m.id === id || (m.type === 'error' && m.id === id));
    if (reply.type === 'error') throw new Error(`${message.type}: ${reply.code}: ${reply.message}`);
    if (replyType && reply.type !== replyType) throw new Error(`${message.type}: expected ${replyType}, got ${JSON.stringify(reply)}`);
    return reply;
  }

  /** Joins with an invite code; resolves with the welcome. */
  async onboard(code, name) {
    if (!this.socket) await this.open();
    const welcome = await this.request({ type: 'onboard', code, ...(name ? { name } : {}) }, 'welcome');
    this.token = welcome.token;
    this.agent = welcome.agent;
    this.colony = welcome.colony;
    return welcome;
  }

  /** Comes back with its token on a new socket. */
  async hello(token = this.token) {
    await this.open();
    const welcome = await this.request({ type: 'hello', token }, 'welcome');
    this.token = token;
    this.agent = welcome.agent;
    this.colony = welcome.colony;
    return welcome;
  }

  async clone() {
    return this.request({ type: 'clone' }, 'cloned');
  }

  chat(text) {
    this.send({ type: 'chat', text });
  }

  status(meta) {
    this.send({ type: 'status', meta });
  }

  /** Closes the socket (the agent goes offline at once, reason closed). */
  async close() {
    clearInterval(this.timer);
    const socket = this.socket;
    this.socket = null;
    if (!socket || socket.readyState === WebSocket.CLOSED) return;
    await new Promise((resolve) => {
      socket.once('close', resolve);
      socket.close(1000, 'bye');
    });
  }
}

/** Launches Debian's chromium headless through playwright-core (never a downloaded browser). */
export async function launchBrowser() {
  if (!existsSync(CHROMIUM)) throw new Error(`chromium is not installed at ${CHROMIUM}: apt-get install -y chromium`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

/**
 * A fresh browser context (and page) for the hub; signedIn signs the context in through
 * POST /v1/session (the cookie lands in the context's cookie jar).
 */
// One hub and one browser for a test file: started before its tests, stopped after them.
// `onStarted` receives {hub, browser}.
export function useHubAndBrowser(onStarted, hubOptions) {
  const started = {};
  before(async () => {
    started.hub = await startHub(hubOptions);
    started.browser = await launchBrowser();
    onStarted(started);
  });
  after(async () => {
    await started.browser?.close();
    await started.hub?.stop();
  });
}

export async function newPage(browser, hub, { signedIn = true, viewport = { width: 1280, height: 800 }, reducedMotion } = {}) {
  const context = await browser.newContext({ baseURL: hub.url, viewport, reducedMotion });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: hub.url }).catch(() => {});
  if (signedIn) {
    const response = await context.request.post('/v1/session', { data: { token: hub.adminToken } });
    if (!response.ok()) throw new Error(`sign-in failed: ${response.status()}`);
  }
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error));
  page.pageErrors = errors;
  return { context, page };
}

export { waitFor, sleep };
