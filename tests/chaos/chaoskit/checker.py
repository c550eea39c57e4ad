"""The invariants of a chaos run, as pure functions of what the run observed (no process, no
socket: tests/chaos/test_checker.py feeds them made-up observations).

Observations (a dict, also written to the results JSON):
  welcomes    [{code, agent, colony, hub, t}]  every `welcome` answering an `onboard`
  told        [{agent, colony, via, t}]        every agent a hub said exists (via 'welcome' or 'cloned')
  refusals    [{agent, colony, hub, t}]        a `hello` with a token a hub handed out, refused
  agents      [{colony, id, final, downs, hosted}]  the truth: final 'online' (connected and
              heartbeating) or 'offline', and how many times a welcomed socket of it ended
  watchers    [{colony, hub, connections: [{asked, start: {kind, seq, epoch, agents?},
              events: [{seq, epoch, event, agent, status, reason, invite}], end}]}]
  final_lists {colony: {hub: {agent id: {status, invite}}}}  the HTTP agents list of each hub
  recheck     [{code, reply}]                  each welcomed code offered again at the end
  unreplicated [{via: 'welcome', code} | {via: 'cloned', colony, agent}]  answers a hub gave before
              a replica held them (from the hubs' logs)
  status      {matched_at, settle_s, mismatches}  the final-status poll (see status_mismatches)

Each check returns {'name', 'passed', 'checked', 'violations': [...]} (violations capped).
"""
from collections import defaultdict

MAX_SHOWN = 50


def _result(name, checked, violations, **extra):
    return {'name': name, 'passed': not violations, 'checked': checked, 'violation_count': len(violations),
            'violations': violations[:MAX_SHOWN], **extra}


def _epoch_key(epoch, conn_index):
    """A stream's epoch; events without one count as one epoch per watcher connection."""
    return epoch if epoch is not None else f'(connection {conn_index})'


# ---- codes -----------------------------------------------------------------------------------

def code_redeemed_once(obs):
    """No code answered with two welcomes (for two agents), no two agents of the final lists
    joined with one code, no join event of one code naming two agents."""
    violations = []
    lost_codes = _unreplicated_codes(obs)
    by_code = defaultdict(set)
    for w in obs['welcomes']:
        if w['code'].upper() not in lost_codes:
            by_code[(w['colony'], w['code'])].add(w['agent'])
    for (colony, code), agents in sorted(by_code.items()):
        if len(agents) > 1:
            violations.append(f'{colony}: code {code} welcomed {len(agents)} agents: {sorted(agents)}')
    for colony, lists in sorted(obs['final_lists'].items()):
        for hub, agents in sorted(lists.items()):
            by_invite = defaultdict(list)
            for aid, a in agents.items():
                if a.get('invite'):
                    by_invite[a['invite']].append(aid)
            for code, ids in sorted(by_invite.items()):
                if len(ids) > 1 and code.upper() not in lost_codes:
                    violations.append(f'{colony}: hub {hub} lists {len(ids)} agents joined with {code}: {sorted(ids)}')
    joins = defaultdict(set)
    for w in obs['watchers']:
        for conn in w['connections']:
            for ev in conn['events']:
                if ev['event'] == 'join' and ev.get('invite'):
                    joins[(w['colony'], ev['invite'].upper())].add(ev['agent'])
    for (colony, code), agents in sorted(joins.items()):
        if len(agents) > 1 and code not in lost_codes:
            violations.append(f'{colony}: join events of code {code} name {len(agents)} agents: {sorted(agents)}')
    for r in obs['recheck']:
        if r['reply'] == 'welcome' and r['code'].upper() not in lost_codes:
            violations.append(f"{r['colony']}: code {r['code']} redeemed again at the end")
    return _result('no code redeemed twice', len(by_code), violations)


def _unreplicated_codes(obs):
    return {u['code'].upper() for u in obs.get('unreplicated', []) if u['via'] == 'welcome'}


def _unreplicated(obs, via):
    """(colony, agent) of the answers with `via` that a hub gave before a replica held the write
    (it says so in its log and counts mi_redemptions_unreplicated_total): the contract promises
    welcome and cloned through a failover only once --redis-min-replicas-ack replicas hold them."""
    entries = obs.get('unreplicated', [])
    if via == 'cloned':
        return {(u['colony'], u['agent']) for u in entries if u['via'] == 'cloned'}
    codes = _unreplicated_codes(obs)
    return {(w['colony'], w['agent']) for w in obs['welcomes'] if w['code'].upper() in codes}


def _told_kept(obs, via):
    """Agents a hub announced with `via` ('welcome' or 'cloned') missing from a final list, or
    whose hello was refused; those answered before a replica held them are left out (counted
    apart as `unreplicated`)."""
    violations = []
    excused = _unreplicated(obs, via)
    told = {(t['colony'], t['agent']): t for t in obs['told'] if t['via'] == via
            and (t['colony'], t['agent']) not in excused}
    for (colony, aid), t in sorted(told.items()):
        for hub, agents in sorted(obs['final_lists'].get(colony, {}).items()):
            if aid not in agents:
                violations.append(f"{colony}: {aid} ({t['via']} at {t['t']} s) missing from hub {hub}'s agents list")
    refused = defaultdict(list)
    for r in obs['refusals']:
        if (r['colony'], r['agent']) in told:
            refused[(r['colony'], r['agent'])].append(r)
    for (colony, aid), rs in sorted(refused.items()):
        violations.append(f"{colony}: hello of {aid} refused (unauthorized) {len(rs)} times, first by hub "
                          f"{rs[0]['hub']} at {rs[0]['t']} s")
    return told, violations


def welcome_never_undone(obs):
    """Every agent welcomed after an onboard is in every hub's final list, with the code it
    joined with; its code is not redeemable again; its token is never refused."""
    told, violations = _told_kept(obs, 'welcome')
    codes = {(w['colony'], w['agent']): w['code'] for w in obs['welcomes']}
    for (colony, aid), t in sorted(told.items()):
        for hub, agents in sorted(obs['final_lists'].get(colony, {}).items()):
            if aid in agents and (colony, aid) in codes and \
                    (agents[aid].get('invite') or '').upper() != codes[(colony, aid)].upper():
                violations.append(f"{colony}: {aid} joined with {codes[(colony, aid)]}, hub {hub} says "
                                  f"{agents[aid].get('invite')}")
    for r in obs['recheck']:
        if r['reply'] not in ('invalid_code',) and r['code'].upper() not in _unreplicated_codes(obs):
            violations.append(f"{r['colony']}: code {r['code']} offered again got {r['reply']}, not invalid_code")
    return _result('no welcome undone', len(told), violations, unreplicated=len(_unreplicated(obs, 'welcome')))


def clone_never_undone(obs):
    """Every agent a `cloned` reply announced is in every hub's final list, and its token (the
    one the reply carried) is never refused. The contract promises this of welcomes by name
    (section 6); a clone's reply is the same kind of promise to a provisioner."""
    told, violations = _told_kept(obs, 'cloned')
    return _result('no cloned agent undone', len(told), violations, unreplicated=len(_unreplicated(obs, 'cloned')))


# ---- streams ---------------------------------------------------------------------------------

def seq_no_gap_or_repeat(obs):
    """In each watcher connection, after its snapshot or resume at seq N, the events carry
    N+1, N+2, ... within one epoch: no gap, no repeat, never backwards."""
    violations = []
    checked = 0
    for w in obs['watchers']:
        for i, conn in enumerate(w['connections']):
            start = conn.get('start')
            if start is None:
                if conn['events']:
                    violations.append(f"{w['colony']}@{w['hub']} connection {i}: events before a snapshot or resume")
                continue
            expected, epoch = start['seq'], _epoch_key(start.get('epoch'), i)
            for ev in conn['events']:
                checked += 1
                ev_epoch = _epoch_key(ev.get('epoch'), i)
                if ev_epoch != epoch:
                    violations.append(f"{w['colony']}@{w['hub']} connection {i}: epoch {epoch} -> {ev_epoch} at seq "
                                      f"{ev['seq']} without a new snapshot")
                    epoch, expected = ev_epoch, ev['seq']
                    continue
                if ev['seq'] != expected + 1:
                    what = 'gap' if ev['seq'] > expected + 1 else 'repeat' if ev['seq'] == expected else 'backwards'
                    violations.append(f"{w['colony']}@{w['hub']} connection {i} (epoch {epoch}): {what}: seq "
                                      f"{ev['seq']} after {expected}")
                expected = max(expected, ev['seq'])
    return _result('no gap or repeated seq within an epoch', checked, violations)


def _fingerprint(ev):
    return (ev['event'], ev['agent'], ev.get('status'), ev.get('reason'))


def one_event_per_seq(obs):
    """Across every watcher of a colony (every hub, every connection), one (epoch, seq) names one
    event. Without epochs on the wire the colony has one history, so the key is the seq alone."""
    violations = []
    seen = {}
    for w in obs['watchers']:
        for i, conn in enumerate(w['connections']):
            for ev in conn['events']:
                key = (w['colony'], ev.get('epoch'), ev['seq'])
                fp = _fingerprint(ev)
                if key in seen and seen[key][0] != fp:
                    violations.append(f"{w['colony']} epoch {ev.get('epoch')} seq {ev['seq']}: {seen[key][1]} saw "
                                      f"{seen[key][0]}, {w['hub']} connection {i} saw {fp}")
                seen.setdefault(key, (fp, f"{w['hub']}"))
    return _result('one event per seq across watchers', len(seen), violations)


def merged_history(obs, colony):
    """The colony's events from all its watchers, one per (epoch, seq), in order, as segments
    of consecutive seqs (a hole no watcher saw splits them)."""
    events = {}
    for w in obs['watchers']:
        if w['colony'] != colony:
            continue
        for conn in w['connections']:
            for ev in conn['events']:
                events.setdefault((ev.get('epoch') or '', ev['seq']), ev)
    segments, last = [], None
    for key in sorted(events, key=lambda k: (k[0], k[1])):
        if last is None or key[0] != last[0] or key[1] != last[1] + 1:
            segments.append([])
        segments[-1].append(events[key])
        last = key
    return segments


def at_most_one_offline_per_transition(obs):
    """No agent gets more `offline` events in one epoch than it had real online -> offline
    transitions (a welcomed socket of it that ended; an agent no client knew, from an onboard
    whose answer was lost, had at most one), and no two `offline` of one agent follow each other
    without a `join` or `online` between them."""
    violations = []
    downs = {(a['colony'], a['id']): a['downs'] for a in obs['agents']}
    checked = 0
    for colony in sorted({w['colony'] for w in obs['watchers']}):
        count = defaultdict(int)  # (epoch, agent): a new epoch retracts what the old one said after its fork
        for segment in merged_history(obs, colony):
            last = {}
            for ev in segment:
                aid = ev['agent']
                if ev['event'] == 'offline':
                    count[(ev.get('epoch'), aid)] += 1
                    if last.get(aid) == 'offline':
                        violations.append(f"{colony}: {aid} got offline ({ev.get('reason')}) at seq {ev['seq']} "
                                          f"while already offline (seq {last.get((aid, 'seq'))})")
                    last[aid], last[(aid, 'seq')] = 'offline', ev['seq']
                elif ev['event'] in ('join', 'online'):
                    last[aid], last[(aid, 'seq')] = 'online', ev['seq']
                elif ev['event'] == 'clone':
                    last[aid], last[(aid, 'seq')] = ev.get('status') or 'offline', ev['seq']
        for (epoch, aid), n in sorted(count.items(), key=lambda kv: (str(kv[0][0]), kv[0][1])):
            checked += 1
            allowed = downs.get((colony, aid), 1)
            if n > allowed:
                where = f' in epoch {epoch}' if epoch is not None else ''
                violations.append(f'{colony}: {aid} got {n} offline events{where} for {allowed} real transitions')
    return _result('at most one offline per real transition', checked, violations)


# ---- final status ----------------------------------------------------------------------------

def status_mismatches(agents, final_lists, views):
    """Where the hubs' agents lists or the watchers' views (views: {(colony, hub): {id: status}})
    differ from the truth: an agent connected and heartbeating is online, every other agent
    (those no client holds, clones never started, agents of lost onboards) is offline or, when no
    hub lists it at all, absent."""
    truth = defaultdict(dict)
    for a in agents:
        truth[a['colony']][a['id']] = a['final']
    # An agent no hub lists does not exist in Redis: whether it may be gone (an answer given before
    # a replica held it, then lost in a failover) is the "undone" invariants' to judge. Offline, it
    # is not a status mismatch; every list and view must still agree on everyone else.
    listed_somewhere = defaultdict(set)
    for colony, lists in final_lists.items():
        for listed in lists.values():
            listed_somewhere[colony] |= set(listed)
    out = []
    for colony, lists in sorted(final_lists.items()):
        for hub, listed in sorted(lists.items()):
            out += _compare(f'{colony} agents list of {hub}', truth[colony], {k: v['status'] for k, v in listed.items()},
                            listed_somewhere[colony])
    for (colony, hub), view in sorted(views.items()):
        out += _compare(f'{colony} watcher on {hub}', truth[colony], view, listed_somewhere[colony])
    return out


def _compare(where, truth, seen, listed_somewhere):
    out = []
    for aid, status in sorted(seen.items()):
        want = truth.get(aid, 'offline')
        if status != want:
            out.append(f'{where}: {aid} is {status}, truth {want}')
    for aid, want in sorted(truth.items()):
        if aid not in seen and (want == 'online' or aid in listed_somewhere):
            out.append(f'{where}: {aid} missing (truth {want})')
    return out


def final_status_is_truth(obs):
    s = obs['status']
    return _result('final status equals the truth within the settle time', len(obs['agents']),
                   [] if s.get('matched_at') is not None else (s.get('mismatches') or ['never compared']),
                   matched_after_s=s.get('matched_at'), settle_s=s.get('settle_s'))


CHECKS = (code_redeemed_once, welcome_never_undone, clone_never_undone, seq_no_gap_or_repeat, one_event_per_seq,
          final_status_is_truth, at_most_one_offline_per_transition)


def check(obs):
    return [c(obs) for c in CHECKS]
