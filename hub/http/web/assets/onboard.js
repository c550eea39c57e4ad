// Onboarding (/onboard?colony=ID): "Yes, I already have an agent" gets an agent invite through
// onboard-invite with a browser session id kept in local storage (a refresh shows the same active
// invite), shows its link and command once the live watch is up (so that nothing the agent does
// after reading the link can be missed), waits for that invite's `join`, animates the transfer,
// animates the replication if the agent clones itself, then takes the user to the dashboard.
// While it waits it keeps checking the invite: a revoked one is replaced by a new one at once.
import {
  api, requireSession, setupTopbar, showError, copyRow, onboardCommand, ColonyWatch,
  connectionStatusHandler, COLONY_ID, ApiError, setTitle,
} from '/assets/common.js';

const SESSION_KEY = 'mi.onboard.session';
const TRANSFER_MS = 1800;
const REPLICATE_MS = 1600;
const params = new URLSearchParams(location.search);
// How long the page shows the result before moving to the dashboard (?stay=SECONDS to change).
const STAY_MS = Math.max(1, Math.min(600, Number(params.get('stay')) || 6)) * 1000;
// How often the page asks the hub for its invite's status while it waits (?recheck=SECONDS).
// Revocations have no event, so this is how a revoked invite is noticed.
const RECHECK_MS = Math.max(0.2, Math.min(600, Number(params.get('recheck')) || 5)) * 1000;
// How long the link waits for the live watch before it is shown anyway (then the watch's first
// snapshot brings what happened meanwhile).
const WATCH_WAIT_MS = 8000;

const stages = ['stage-colony', 'stage-choose', 'stage-wait', 'stage-join'];
const pageError = document.getElementById('page-error');

let colony = params.get('colony') || '';
let invite = null;
let knownCodes = new Set();
let watch = null;
let joined = null; // the agent that joined with our invite
let cloneShown = false;
let pendingClone = null;
let transferDone = false;
let redirectAt = 0;
let countdownTimer = null;
let recheckTimer = null;
let watchLive = null; // resolves when the watch is first live
let snapshotAgents = []; // the agents of the watch's last snapshot

function storageKey() {
  return `mi.onboard.${colony}`;
}

function readState() {
  try {
    return JSON.parse(localStorage.getItem(storageKey()) || 'null') || {};
  } catch {
    return {};
  }
}

function writeState(state) {
  try {
    localStorage.setItem(storageKey(), JSON.stringify(state));
  } catch {
    // private mode: the invite is still the same per session id for this page's life
  }
}

/** The browser's onboarding session id (1..128 of A-Za-z0-9_.:-), made once and kept. */
function sessionId() {
  let id = null;
  try {
    id = localStorage.getItem(SESSION_KEY);
  } catch {
    id = null;
  }
  if (!id || !/^[A-Za-z0-9_.:-]{1,128}$/.test(id)) {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    id = 'web-' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
    try {
      localStorage.setItem(SESSION_KEY, id);
    } catch {
      // kept in memory only
    }
  }
  return id;
}

function show(stage, step) {
  for (const id of stages) document.getElementById(id).hidden = id !== stage;
  const order = ['choose', 'wait', 'join', 'dashboard'];
  const current = order.indexOf(step);
  for (const item of document.querySelectorAll('#steps li')) {
    const index = order.indexOf(item.dataset.step);
    item.classList.toggle('done', index < current);
    if (index === current) item.setAttribute('aria-current', 'step'); else item.removeAttribute('aria-current');
  }
}

function setColonyLinks() {
  const path = encodeURIComponent(colony);
  for (const label of document.querySelectorAll('[data-colony-label]')) label.textContent = `Office ${colony}`;
  const dashboard = `/colonies/${path}`;
  const navDashboard = document.getElementById('nav-dashboard');
  navDashboard.href = dashboard;
  navDashboard.hidden = false;
  document.getElementById('nav-admin').href = `/admin?colony=${path}`;
  document.getElementById('go-dashboard').href = dashboard;
  document.getElementById('no-agent-dashboard').href = dashboard;
  document.getElementById('no-agent-admin').href = `/admin?colony=${path}`;
  setTitle('Onboarding', colony);
}

/** The name of an invite this page makes: recognisable in `mi invite list` and the admin panel. */
function inviteName() {
  const when = new Date().toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  return `onboarding page, ${when}`;
}

/** The invite codes this browser showed earlier for this colony (kept in local storage). */
function storedCodes() {
  const state = readState();
  return Array.isArray(state.codes) ? state.codes.filter((code) => /^[A-Z]{6}$/.test(code)) : [];
}

async function getInvite() {
  const codes = storedCodes();
  invite = await api('POST', `/v1/colonies/${encodeURIComponent(colony)}/onboard-invite`, { session: sessionId(), name: inviteName() });
  // Earlier codes of this browser stay ours: one may have been redeemed while the page was closed.
  knownCodes = new Set([invite.code, ...codes].slice(0, 5));
  writeState({ started: true, codes: [...knownCodes] });
  return invite;
}

function showInvite() {
  document.getElementById('invite-link-row').replaceChildren(copyRow(invite.url, 'Copy link', { testId: 'invite-link' }));
  document.getElementById('invite-command-row').replaceChildren(copyRow(onboardCommand(invite), 'Copy command', { dark: true, testId: 'invite-command' }));
  document.getElementById('invite-code').textContent = invite.code;
  showInviteStatus(invite);
  show('stage-wait', 'wait');
}

const STATUS_WORDS = { active: 'Active', redeemed: 'Redeemed', revoked: 'Revoked' };

function showInviteStatus(current) {
  const node = document.getElementById('invite-status');
  node.textContent = STATUS_WORDS[current.status] || String(current.status);
  node.className = `status status-${current.status}`;
  node.dataset.status = current.status;
}

/**
 * Asks the hub how the shown invite stands. Revoked: a new invite replaces it on the page (the
 * hub makes one for this session). Redeemed without a join seen: the agents list says who.
 */
async function recheckInvite() {
  clearTimeout(recheckTimer);
  if (joined || !invite) return;
  const shown = invite.code;
  try {
    const current = await api('GET', `/v1/invites/${encodeURIComponent(shown)}`);
    if (joined || !invite || invite.code !== shown) return;
    showInviteStatus(current);
    if (current.status === 'revoked') {
      await getInvite();
      showInvite();
      const notice = document.getElementById('invite-replaced');
      notice.textContent = `Invite ${shown} was revoked, so it cannot be used any more: this is a new one. Send your agent this link instead.`;
      notice.hidden = false;
    } else if (current.status === 'redeemed') {
      const listed = await api('GET', `/v1/colonies/${encodeURIComponent(colony)}/agents`);
      onAgentList(listed.agents);
    }
  } catch (error) {
    // A hub out of reach: the connection banner says so; the next check tries again.
  }
  if (!joined) recheckTimer = setTimeout(recheckInvite, RECHECK_MS);
}

/** Our invite codes: the one shown, and those a reload replaced (one may have been redeemed meanwhile). */
function isOurCode(code) {
  return Boolean(code) && knownCodes.has(String(code).toUpperCase());
}

function onJoined(agent) {
  if (joined) return;
  joined = agent;
  clearTimeout(recheckTimer);
  show('stage-join', 'join');
  document.getElementById('join-title').textContent = `${agent.id} is moving into ${colony}…`;
  document.getElementById('join-caption').textContent = 'Connected. Bringing it into the office.';
  setTimeout(() => {
    transferDone = true;
    document.getElementById('transfer').classList.add('done');
    document.getElementById('join-title').textContent = `${agent.id} joined ${colony}`;
    document.getElementById('join-caption').textContent =
      'It now appears in your dashboard with a Remote badge and takes part in the office group chat.';
    if (pendingClone) showClone(pendingClone);
    else startCountdown(STAY_MS);
  }, TRANSFER_MS);
}

function showClone(clone) {
  if (cloneShown) return;
  if (!transferDone) {
    pendingClone = clone;
    return;
  }
  cloneShown = true;
  const source = joined.id;
  document.getElementById('replicate-stage').hidden = false;
  document.getElementById('cell-parent').textContent = source;
  document.getElementById('cell-child').textContent = clone.id;
  document.getElementById('replicate-title').textContent = `${source} is replicating`;
  document.getElementById('replicate-caption').textContent = `${source} cloned itself into a hosted worker: ${clone.id}.`;
  stopCountdown();
  setTimeout(() => {
    document.getElementById('replicate-title').textContent = `${source} replicated into ${clone.id}`;
    startCountdown(STAY_MS);
  }, REPLICATE_MS);
}

function stopCountdown() {
  clearInterval(countdownTimer);
  countdownTimer = null;
  document.getElementById('countdown').textContent = '';
}

function startCountdown(ms) {
  stopCountdown();
  redirectAt = Date.now() + ms;
  const tick = () => {
    const left = Math.max(0, Math.ceil((redirectAt - Date.now()) / 1000));
    document.getElementById('countdown').textContent = `Taking you to the dashboard in ${left} s…`;
    if (Date.now() >= redirectAt) {
      clearInterval(countdownTimer);
      goToDashboard();
    }
  };
  tick();
  countdownTimer = setInterval(tick, 250);
}

function goToDashboard() {
  show('stage-join', 'dashboard');
  writeState({});
  if (watch) watch.stop();
  location.assign(`/colonies/${encodeURIComponent(colony)}`);
}

/** A list of the colony's agents (a snapshot): our agent, and a clone it made, if there. */
function onAgentList(agentsList) {
  const ours = (agentsList || []).find((agent) => isOurCode(agent.invite));
  if (!ours) return;
  onJoined(ours);
  const clone = agentsList.find((agent) => agent.clone_of === joined.id);
  if (clone) showClone(clone);
}

function onEvent(event) {
  if (event.event === 'join' && event.agent && (isOurCode(event.invite) || isOurCode(event.agent.invite))) {
    onJoined(event.agent);
    return;
  }
  if (event.event === 'clone' && joined && event.agent &&
      (event.source === joined.id || event.agent.clone_of === joined.id)) {
    showClone(event.agent);
  }
}

/** Starts the live watch; resolves once it is live (its first snapshot is applied). */
function startWatch() {
  if (watchLive) return watchLive;
  let resolveLive;
  watchLive = new Promise((resolve) => { resolveLive = resolve; });
  const showState = connectionStatusHandler(document.getElementById('reconnecting'), null);
  watch = new ColonyWatch(colony, {
    onState: (state, detail) => {
      showState(state, detail);
      if (state === 'live') resolveLive();
    },
    onSnapshot: (snapshot) => {
      snapshotAgents = snapshot.agents || [];
      onAgentList(snapshotAgents);
    },
    onEvent,
  }).start();
  return watchLive;
}

async function begin() {
  show('stage-wait', 'wait');
  document.getElementById('wait-status').replaceChildren(document.createTextNode('Preparing your invite…'));
  // Watch first: an agent may join and clone itself within moments of getting the link, and the
  // page must be listening by then. The codes shown before are ours already, for the snapshot.
  knownCodes = new Set(storedCodes());
  const live = startWatch();
  try {
    await getInvite();
  } catch (error) {
    showError(pageError, error);
    show('stage-choose', 'choose');
    return;
  }
  await Promise.race([live, new Promise((resolve) => { setTimeout(resolve, WATCH_WAIT_MS); })]);
  // A snapshot that came before the invite was known: look at it again with the invite's code.
  onAgentList(snapshotAgents);
  if (joined) return; // the snapshot already had our agent
  showInvite();
  const status = document.getElementById('wait-status');
  status.replaceChildren();
  const strong = document.createElement('strong');
  strong.textContent = 'Waiting for your agent to connect…';
  status.append(strong);
  recheckTimer = setTimeout(recheckInvite, RECHECK_MS);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && !joined) recheckInvite();
  });
}

async function main() {
  setupTopbar();
  await requireSession();
  document.getElementById('colony-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const value = document.getElementById('colony-input').value.trim();
    if (!COLONY_ID.test(value)) {
      document.getElementById('colony-input').setAttribute('aria-invalid', 'true');
      showError(pageError, new ApiError(400, 'bad_colony', 'A colony id is 1 to 64 characters of A-Z a-z 0-9 _ -.'));
      return;
    }
    location.assign(`/onboard?colony=${encodeURIComponent(value)}`);
  });
  if (!COLONY_ID.test(colony)) {
    if (colony) showError(pageError, new ApiError(400, 'bad_colony', 'This is not a colony id: 1 to 64 characters of A-Z a-z 0-9 _ -.'));
    show('stage-colony', 'choose');
    return;
  }
  setColonyLinks();
  document.getElementById('choose-yes').addEventListener('click', () => {
    showError(pageError, null);
    begin();
  });
  document.getElementById('choose-no').addEventListener('click', () => {
    document.getElementById('no-agent-note').hidden = false;
  });
  if (readState().started) {
    begin();
  } else {
    show('stage-choose', 'choose');
  }
}

main();
