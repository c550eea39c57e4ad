// Admin panel: create agent and human invites, share them, see each office's invites kept
// current (redemptions arrive live from the colony's `join` events; a slow poll catches
// revocations made elsewhere), revoke active ones.
import {
  api, requireSession, setupTopbar, showError, el, timeElement, startRelativeTimeTicker, copyRow,
  onboardCommand, ColonyWatch, connectionStatusHandler, COLONY_ID, ApiError,
} from '/assets/common.js';

const NEW_COLONY = '__new__';
const PAGE = 100;
const POLL_MS = 10000;

const form = document.getElementById('invite-form');
const select = document.getElementById('colony-select');
const newField = document.getElementById('colony-new-field');
const newInput = document.getElementById('colony-new');
const nameInput = document.getElementById('invite-name');
const createButton = document.getElementById('create-invite');
const createError = document.getElementById('create-error');
const result = document.getElementById('invite-result');
const listError = document.getElementById('list-error');
const actionError = document.getElementById('action-error');
const tbody = document.getElementById('invites-body');
const emptyNote = document.getElementById('invites-empty');
const summary = document.getElementById('invites-summary');
const showMore = document.getElementById('show-more');
const invitesTitle = document.getElementById('invites-title');
const colonyList = document.getElementById('colony-list');
const colonyEmpty = document.getElementById('colony-empty');
const navDashboard = document.getElementById('nav-dashboard');
const navOnboard = document.getElementById('nav-onboard');
const onState = connectionStatusHandler(document.getElementById('reconnecting'), document.getElementById('live'));

let colonies = [];
let watch = null;
let listedColony = null;
let limit = PAGE;
let refreshTimer = null;
let loadSerial = 0;

function inviteType() {
  return form.querySelector('input[name="invite-type"]:checked').value;
}

function typeLabel(type) {
  return type === 'human' ? 'Human Invite' : 'Agent Invite';
}

/** The colony the form points at, or null while the typed id is not valid. */
function currentColony() {
  if (select.value === NEW_COLONY) {
    const typed = newInput.value.trim();
    return COLONY_ID.test(typed) ? typed : null;
  }
  return select.value || null;
}

function updateCreateLabel() {
  createButton.textContent = `Create ${typeLabel(inviteType())}`;
}

function renderColonyOptions(selected) {
  select.replaceChildren();
  for (const colony of colonies) select.append(el('option', { value: colony, text: colony }));
  select.append(el('option', { value: NEW_COLONY, text: colonies.length ? 'New colony…' : 'New colony (type its id)' }));
  select.value = selected && colonies.includes(selected) ? selected : (selected ? NEW_COLONY : (colonies[0] || NEW_COLONY));
  if (select.value === NEW_COLONY && selected && !colonies.includes(selected)) newInput.value = selected;
  newField.hidden = select.value !== NEW_COLONY;
}

function renderColonyList() {
  colonyList.replaceChildren();
  colonyEmpty.hidden = colonies.length > 0;
  for (const colony of colonies) {
    const path = encodeURIComponent(colony);
    colonyList.append(el('li', { data: { colony } },
      el('span', { className: 'colony-id', text: colony }),
      el('span', { className: 'links' },
        el('a', { href: `/colonies/${path}`, text: 'Dashboard', attrs: { 'aria-label': `Dashboard of ${colony}` } }),
        el('a', { href: `/onboard?colony=${path}`, text: 'Onboarding', attrs: { 'aria-label': `Onboarding page of ${colony}` } }),
        el('button', {
          type: 'button', className: 'btn-ghost btn-small', text: 'Invites',
          attrs: { 'aria-label': `Show the invites of ${colony}` },
          onclick: () => { renderColonyOptions(colony); colonyChanged(); },
        }),
      )));
  }
}

async function loadColonies(selected) {
  const answer = await api('GET', '/v1/colonies');
  colonies = Array.isArray(answer.colonies) ? answer.colonies.slice() : [];
  renderColonyOptions(selected);
  renderColonyList();
}

function statusCell(invite) {
  if (invite.status === 'redeemed') {
    const cell = el('span', { className: 'status status-redeemed' }, 'Redeemed');
    const by = invite.redeemed_by
      ? el('span', { className: 'muted small' }, ' by ', el('a', { href: `/colonies/${encodeURIComponent(invite.colony)}`, text: invite.redeemed_by }))
      : null;
    return [cell, by];
  }
  if (invite.status === 'revoked') return [el('span', { className: 'status status-revoked' }, 'Revoked')];
  return [el('span', { className: 'status status-active' }, 'Active')];
}

function inviteRow(invite) {
  const actions = [];
  if (invite.status === 'active') {
    actions.push(el('button', {
      type: 'button', className: 'btn-danger btn-small', text: 'Revoke',
      attrs: { 'aria-label': `Revoke invite ${invite.code}` },
      onclick: (event) => revoke(invite, event.currentTarget),
    }));
  }
  return el('tr', { data: { code: invite.code, status: invite.status } },
    el('td', { className: 'code-cell' }, el('a', { href: invite.url, text: invite.code, attrs: { 'aria-label': `Invite page of ${invite.code}` } })),
    el('td', {}, el('span', { className: 'badge', text: invite.type === 'human' ? 'Human' : 'Agent' })),
    el('td', { text: invite.name || '—', className: invite.name ? '' : 'muted' }),
    el('td', {}, ...statusCell(invite)),
    el('td', {}, timeElement(invite.created_at)),
    el('td', { className: 'actions-cell' }, ...actions),
  );
}

async function loadInvites() {
  const colony = currentColony();
  const serial = ++loadSerial;
  if (!colony) {
    tbody.replaceChildren();
    invitesTitle.textContent = 'Invites';
    summary.textContent = 'Type a colony id to see its invites.';
    emptyNote.hidden = true;
    showMore.hidden = true;
    return;
  }
  try {
    const answer = await api('GET', `/v1/colonies/${encodeURIComponent(colony)}/invites?limit=${limit}`);
    if (serial !== loadSerial) return; // a newer load is on its way
    showError(listError, null);
    invitesTitle.textContent = `Invites of ${colony}`;
    const invites = Array.isArray(answer.invites) ? answer.invites : [];
    const total = typeof answer.total === 'number' ? answer.total : invites.length;
    tbody.replaceChildren(...invites.map(inviteRow));
    emptyNote.hidden = invites.length > 0;
    const counts = { active: 0, redeemed: 0, revoked: 0 };
    for (const invite of invites) counts[invite.status] = (counts[invite.status] || 0) + 1;
    summary.textContent = total === 0 ? '' : `${total} invite${total === 1 ? '' : 's'}: ${counts.active} active, ${counts.redeemed} redeemed, ${counts.revoked} revoked${invites.length < total ? ` (newest ${invites.length} shown)` : ''}.`;
    showMore.hidden = invites.length >= total;
  } catch (error) {
    if (serial === loadSerial) showError(listError, error);
  }
}

function scheduleRefresh(delay = 120) {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(loadInvites, delay);
}

function watchColony(colony) {
  if (watch && watch.colony === colony) return;
  if (watch) watch.stop();
  watch = null;
  document.getElementById('live').hidden = !colony;
  if (!colony) return;
  watch = new ColonyWatch(colony, {
    onState,
    onSnapshot: () => scheduleRefresh(0),
    onResume: () => scheduleRefresh(0),
    onEvent: (event) => {
      if (event.event === 'join') scheduleRefresh();
    },
  }).start();
}

function colonyChanged() {
  const colony = currentColony();
  newField.hidden = select.value !== NEW_COLONY;
  limit = PAGE;
  if (colony !== listedColony) {
    listedColony = colony;
    showError(actionError, null);
    const url = new URL(location.href);
    if (colony) url.searchParams.set('colony', colony); else url.searchParams.delete('colony');
    history.replaceState(null, '', url);
    if (colony) {
      navDashboard.hidden = false;
      navDashboard.href = `/colonies/${encodeURIComponent(colony)}`;
      navOnboard.href = `/onboard?colony=${encodeURIComponent(colony)}`;
    } else {
      navDashboard.hidden = true;
    }
    watchColony(colony);
    loadInvites();
  }
}

async function revoke(invite, button) {
  const named = invite.name ? ` (${invite.name})` : '';
  if (!window.confirm(`Revoke invite ${invite.code}${named}? Nobody can redeem it afterwards.`)) return;
  button.disabled = true;
  button.textContent = 'Revoking…';
  try {
    await api('POST', `/v1/invites/${encodeURIComponent(invite.code)}/revoke`);
    showError(actionError, null);
  } catch (error) {
    showError(actionError, error);
  }
  await loadInvites();
}

function showResult(invite) {
  const isAgent = invite.type !== 'human';
  document.getElementById('result-title').textContent = `New ${isAgent ? 'agent' : 'human'} invite for ${invite.colony}`;
  document.getElementById('result-code').textContent = invite.code;
  const rows = [copyRow(invite.url, 'Copy link', { testId: 'new-link', buttonText: 'Copy', caption: 'Link' })];
  if (isAgent) rows.push(copyRow(onboardCommand(invite), 'Copy command', { dark: true, testId: 'new-command', buttonText: 'Copy', caption: 'Command' }));
  rows.push(copyRow(invite.code, 'Copy code', { testId: 'new-code-copy', buttonText: 'Copy', caption: 'Code' }));
  document.getElementById('result-rows').replaceChildren(...rows);
  document.getElementById('result-hint').textContent = isAgent
    ? 'Single use. Send the link to the agent (or its owner); the page it opens shows the exact command. Or give the 6-letter code.'
    : 'Single use. Human invites are for people; an agent cannot join with one.';
  result.hidden = false;
}

async function create(event) {
  event.preventDefault();
  showError(createError, null);
  const colony = currentColony();
  if (!colony) {
    newInput.setAttribute('aria-invalid', 'true');
    showError(createError, new ApiError(400, 'bad_colony', 'A colony id is 1 to 64 characters of A-Z a-z 0-9 _ -.'));
    newInput.focus();
    return;
  }
  const body = { type: inviteType() };
  const name = nameInput.value.trim();
  if (name) body.name = name;
  createButton.disabled = true;
  try {
    const invite = await api('POST', `/v1/colonies/${encodeURIComponent(colony)}/invites`, body);
    showResult(invite);
    nameInput.value = '';
    if (!colonies.includes(colony)) {
      await loadColonies(colony);
      newInput.value = '';
      colonyChanged();
    }
    await loadInvites();
  } catch (error) {
    showError(createError, error);
  } finally {
    createButton.disabled = false;
  }
}

async function main() {
  setupTopbar();
  await requireSession();
  const wanted = new URLSearchParams(location.search).get('colony');
  try {
    await loadColonies(wanted && COLONY_ID.test(wanted) ? wanted : null);
  } catch (error) {
    showError(listError, error);
  }
  form.addEventListener('submit', create);
  for (const radio of form.querySelectorAll('input[name="invite-type"]')) radio.addEventListener('change', updateCreateLabel);
  select.addEventListener('change', () => {
    colonyChanged();
    if (select.value === NEW_COLONY) newInput.focus();
  });
  newInput.addEventListener('input', () => {
    newInput.removeAttribute('aria-invalid');
    clearTimeout(newInput.timer);
    newInput.timer = setTimeout(colonyChanged, 300);
  });
  showMore.addEventListener('click', () => {
    limit += PAGE;
    loadInvites();
  });
  updateCreateLabel();
  colonyChanged();
  startRelativeTimeTicker();
  setInterval(() => {
    if (document.visibilityState === 'visible') loadInvites();
  }, POLL_MS);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') loadInvites();
  });
}

main();
