"""Figures, targets, ratios and verdicts, from a scenario's results; and the results JSON.

A results document (bench/results/SCENARIO.json) holds what a run measured (the scenario's own
keys: 'hub', 'peer_ws', ...), its 'params' and 'machine', and what this module derives from
them: 'figures' (one row each: ours, the peer's, the ratio, the target, whether it is met) and
'notes' (short context for the rows). `findings(doc)` derives both from the measurements alone,
so the docs can render a committed result with the present wording without a new run.

Verdicts are three-valued: True (met), False (missed, or our side has no figure), None (not
judged: context rows, or a peer figure the target compares against could not be read).
"""
import json
import os
import time
from dataclasses import dataclass, field

# ---- rows and verdicts ---------------------------------------------------------------------


def figure(name, ours, peer, target, met, unit='', peer_name='', ratio=None, note='', out_of_reach=False,
           ratio_is=None):
    """One row of a scenario's table. The ratio is ours / peer unless given (then ratio_is says
    what it is, e.g. 'peer/ours'). out_of_reach: a missed target that a measurement of the same
    run (given in the notes) shows no server can meet on this machine."""
    if ratio is None and ours is not None and peer:
        ratio = ours / peer
    row = {'name': name, 'ours': ours, 'peer': peer, 'peer_name': peer_name, 'ratio': ratio,
           'unit': unit, 'target': target, 'met': met, 'note': note,
           'out_of_reach': bool(out_of_reach) and met is False}
    if ratio_is:
        row['ratio_is'] = ratio_is
    return row


def all_of(*verdicts):
    """False if any is False, else None if any is None, else True."""
    if any(v is False for v in verdicts):
        return False
    if any(v is None for v in verdicts):
        return None
    return True


def at_most(v, limit):
    """Our figure within a limit; no figure is not met."""
    return v is not None and v <= limit


def at_least(v, limit):
    return v is not None and v >= limit


def versus(a, b, test):
    """test(a, b), or None when either figure is missing: a comparison that cannot be judged."""
    return None if a is None or b is None else bool(test(a, b))


def p99(hist):
    """The p99 of a latency summary, or None when it has no samples."""
    return hist['p99_ms'] if hist and hist.get('count') else None


def fmt(v):
    if v is None:
        return '-'
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, float):
        return f'{v:,.3g}' if abs(v) < 100 else f'{v:,.0f}'
    return f'{v:,}'


def verdict(fig):
    if fig.get('out_of_reach'):
        return 'missed, out of reach here'
    return {True: 'met', False: 'missed', None: 'n/a'}[fig['met']]


@dataclass
class Findings:
    figures: list
    notes: list = field(default_factory=list)


def _ms(v):
    return '-' if v is None else f'{v:.1f} ms'


def _runs(n):
    return f'{n} run' if n == 1 else f'{n} runs'


def _join(values, unit=''):
    return ', '.join('-' if v is None else f'{v:.1f}' for v in values) + unit


# ---- idle ----------------------------------------------------------------------------------

IDLE_PEER = 'ws+ioredis'


def idle(doc):
    ours, peer = doc['hub'], doc['peer_ws']
    per, peer_per = ours['rss_per_conn_kib'], peer['rss_per_conn_kib']
    cpu = ours['cpu_percent_of_core']
    figs = [
        figure('RSS growth per connection', per, peer_per, '<= 2 KiB and <= 0.3 x ws',
               all_of(at_most(per, 2), versus(per, peer_per, lambda o, p: o <= 0.3 * p)),
               'KiB', IDLE_PEER),
        figure('CPU while idle', cpu, peer['cpu_percent_of_core'], '< 2% of a core',
               cpu is not None and cpu < 2, '% core', IDLE_PEER),
    ]
    notes = [f"{side}: {s['online']:,} online in {s['connect_s']:.1f} s; RSS {s['rss_before_kib'] / 1024:.1f} MiB "
             f"before, {s['rss_connected_kib'] / 1024:.1f} MiB connected"
             for side, s in (('mi-hub', ours), (IDLE_PEER, peer))]
    notes.append(f"CPU over the {doc['params']['hold_s']} s hold, read before the generator exits")
    return Findings(figs, notes)


# ---- idle-tls ------------------------------------------------------------------------------

IDLE_TLS_PEER = 'ws+ioredis on https'
HUB_PLAIN = 'mi-hub plain'


def heap_per_conn(side):
    """Heap bytes in use per connection (after connecting minus before), or None if not counted."""
    heap = side.get('heap_in_use') or {}
    before, after = heap.get('before', {}).get('bytes'), heap.get('connected', {}).get('bytes')
    if before is None or after is None or not side['online']:
        return None
    return (after - before) / side['online']


def difference(a, b):
    return None if a is None or b is None else a - b


def idle_tls(doc):
    ours, plain, peer = doc['hub'], doc['hub_plain'], doc['peer_ws']
    per, plain_per, peer_per = ours['rss_per_conn_kib'], plain['rss_per_conn_kib'], peer['rss_per_conn_kib']
    heap, plain_heap = heap_per_conn(ours), heap_per_conn(plain)
    heap_share = difference(heap, plain_heap)
    figs = [
        figure('RSS growth per connection, TLS', per, peer_per, '<= 0.3 x ws on https',
               versus(per, peer_per, lambda o, p: o <= 0.3 * p), 'KiB', IDLE_TLS_PEER),
        figure('RSS growth per connection, TLS and plain', per, plain_per, '(context)', None, 'KiB', HUB_PLAIN),
        figure("OpenSSL's share per idle connection, RSS (TLS minus plain)", difference(per, plain_per), None,
               '(context)', None, 'KiB'),
        figure("OpenSSL's share per idle connection, heap in use (TLS minus plain)",
               None if heap_share is None else heap_share / 1024, None, '(context)', None, 'KiB'),
        figure('CPU while idle, TLS', ours['cpu_percent_of_core'], peer['cpu_percent_of_core'], '(context)', None,
               '% core', IDLE_TLS_PEER),
    ]
    notes = [f"{side}: {s['online']:,} online in {s['connect_s']:.1f} s; RSS {s['rss_before_kib'] / 1024:.1f} MiB "
             f"before, {s['rss_connected_kib'] / 1024:.1f} MiB connected, {s['rss_end_kib'] / 1024:.1f} MiB at the "
             f"end of the hold; CPU {s['cpu_percent_of_core']:.2f} % of a core"
             for side, s in (('mi-hub, TLS', ours), ('mi-hub, plain', plain), (IDLE_TLS_PEER, peer))]
    if heap is not None and plain_heap is not None:
        notes.append(f"heap in use per connection (glibc malloc_stats in the hub, through gdb, before and after "
                     f"connecting): TLS {heap:,.0f} bytes, plain {plain_heap:,.0f} bytes")
    else:
        why = '; '.join(sorted({v['error'] for s in (ours, plain)
                                for v in (s.get('heap_in_use') or {}).values() if 'error' in v})) or 'not asked'
        notes.append(f'heap in use not counted ({why})')
    share = difference(per, plain_per)
    if share is not None and peer_per and share > 0.3 * peer_per:
        notes.append(f"OpenSSL's share alone is {share / peer_per:.2f} x the peer's RSS per connection: above 0.3, "
                     f"so no server that keeps OpenSSL's state per connection as this one does meets the target")
    notes.append(f"the same agents and ECDSA P-256 certificate for all three, held {doc['params']['hold_s']} s each, "
                 f"one after the other; the agents verify the certificate against the run's CA")
    return Findings(figs, notes)


# ---- box -----------------------------------------------------------------------------------

def box_costs(side):
    """What each agent costs, from a box side's readings before and after connecting (None where
    not measured): hub RSS per agent (KiB), the kernel's memory per socket (bytes: TCP pages, and
    slab), Redis used_memory per agent (bytes)."""
    n = side.get('online_at_start') or 0
    out = {'rss_per_agent_kib': None, 'tcp_mem_per_socket_b': None, 'slab_per_socket_b': None,
           'unreclaimable_slab_per_socket_b': None, 'sockets': None, 'redis_per_agent_b': None}
    if not n:
        return out
    if side.get('rss_connected_kib') is not None:
        out['rss_per_agent_kib'] = (side['rss_connected_kib'] - side['rss_before_kib']) / n
    k0, k1 = side.get('kernel_before'), side.get('kernel_connected')
    if k0 and k1:
        sockets = k1['sockets_used'] - k0['sockets_used']
        out['sockets'] = sockets
        if sockets > 0:
            out['tcp_mem_per_socket_b'] = (k1['tcp_mem_pages'] - k0['tcp_mem_pages']) * PAGE / sockets
            out['slab_per_socket_b'] = (k1['Slab_kib'] - k0['Slab_kib']) * 1024 / sockets
            out['unreclaimable_slab_per_socket_b'] = (k1['SUnreclaim_kib'] - k0['SUnreclaim_kib']) * 1024 / sockets
    m0, m1 = side.get('redis_used_memory_before'), side.get('redis_used_memory_connected')
    if m0 is not None and m1 is not None:
        out['redis_per_agent_b'] = (m1 - m0) / n
    return out


PAGE = 4096


def box(doc):
    ours, peer, params = doc['hub'], doc['peer_ws'], doc['params']
    n, hold = params['agents'], params['hold_s']
    v = ours['redis_commands_per_agent_minute']
    held = ours['min_online'] == n and ours['online_at_end'] == n
    figs = [figure('agents online the whole hold (minimum seen)', ours['min_online'], peer['min_online'],
                   f'{n} for {hold} s (target: 100,000 for 600 s)', held and hold >= 600 and n >= 100000, 'agents',
                   'ws+ioredis'),
            figure('Redis commands per agent per minute', v, peer['redis_commands_per_agent_minute'], '<= 2.5',
                   at_most(v, 2.5), 'cmd/agent/min', 'ws+ioredis SET EX')]
    # The costs per agent, where the run measured them (runs from before --agents did not).
    oc, pc = box_costs(ours), box_costs(peer)
    if 'kernel_connected' in ours:
        figs += [figure('server RSS per agent', oc['rss_per_agent_kib'], pc['rss_per_agent_kib'], '(context)', None,
                        'KiB', 'ws+ioredis'),
                 figure('kernel memory per socket, TCP buffers (sockstat mem)', oc['tcp_mem_per_socket_b'],
                        pc['tcp_mem_per_socket_b'], '(context: both ends of loopback)', None, 'bytes', 'ws+ioredis'),
                 figure('kernel memory per socket, slab', oc['slab_per_socket_b'], pc['slab_per_socket_b'],
                        '(context: both ends of loopback)', None, 'bytes', 'ws+ioredis'),
                 figure('Redis memory per agent online', oc['redis_per_agent_b'], pc['redis_per_agent_b'],
                        '(context)', None, 'bytes', 'ws+ioredis SET EX')]
        mc = ours.get('machine_cores') or {}
        pmc = peer.get('machine_cores') or {}
        if mc:
            figs.append(figure('machine CPU over the hold (user + kernel)', mc['user'] + mc['kernel'],
                               (pmc['user'] + pmc['kernel']) if pmc else None, '(context)', None, 'cores',
                               'ws+ioredis'))
    notes = []
    for side, s in (('mi-hub', ours), ('ws+ioredis', peer)):
        if s.get('error') and s.get('online_at_end') is None:
            k = s.get('kernel_connected') or {}
            why = '; '.join([s['error']] + list(s.get('connect_errors') or []))[:400]
            notes.append(f"{side} ({params['hubs']} processes): stopped at {s['online_at_start'] or 0:,} of {n:,} "
                         f"online ({why}); then {k.get('sockets_used', 0):,} sockets, "
                         f"{k.get('files_open', 0):,} of {k.get('file_max', 0):,} open files, TCP buffers "
                         f"{k.get('tcp_mem_pages', 0):,} of {(k.get('tcp_mem_limit_pages') or [0])[-1]:,} pages, "
                         f"{k.get('MemAvailable_kib', 0) / 1048576:.1f} GiB available")
            continue
        line = (f"{side} ({params['hubs']} processes): {s['online_at_start']:,} online at the start, "
                f"{s['online_at_end']:,} at the end of {s['seconds']:.0f} s, {s['failures']} failures; "
                f"{s['server_cpu_cores']:.2f} cores, {s['rss_mib_total']:,.0f} MiB")
        if s.get('connect_s') is not None:
            line += f"; connected in {s['connect_s']:.0f} s"
        costs = box_costs(s)
        if costs['sockets']:
            k = s['kernel_connected']
            line += (f"; {costs['sockets']:,} more sockets (both ends), SUnreclaim "
                     f"{costs['unreclaimable_slab_per_socket_b']:,.0f} bytes per socket; generators "
                     f"{s['generators_rss_kib'] / 1048576:.1f} GiB; {k['MemAvailable_kib'] / 1048576:.1f} GiB "
                     f"available")
        if s.get('machine_cores'):
            line += (f"; machine {s['machine_cores']['user']:.2f} user + {s['machine_cores']['kernel']:.2f} "
                     f"kernel cores")
        if s.get('connect_failures'):
            line += (f"; {s['connect_failures']:,} failed connects ({'; '.join(s.get('connect_errors') or [])[:300]})")
        notes.append(line)
    prep = doc.get('prepare') or {}
    if prep.get('seconds'):
        notes.append(f"{n:,} agents prepared (invites over HTTP, then onboard) in {prep['seconds']:.0f} s: invites "
                     f"{prep['invites_s']:.0f} s, onboard {prep['onboard_s']:.0f} s")
    return Findings(figs, notes)


# ---- bigcolony -----------------------------------------------------------------------------

BIGCOLONY_PEER = 'Socket.IO+redis-adapter fetchSockets()'
# The target: no single Redis call of 10 ms or more with a colony of 100,000 agents.
LONGEST_CALL_LIMIT_MS = 10
LONGEST_CALL_AT = 100000


def _call_ms(phase):
    """The longest Redis call of a phase in ms, or None when the phase did not run or logged none."""
    us = ((phase or {}).get('calls') or {}).get('max_us')
    return None if us is None else us / 1000


def _call_name(phase):
    """The longest call's command; a script call by its SHA's first digits and its first key."""
    words = [str(w) for w in (((phase or {}).get('calls') or {}).get('max_command') or [])]
    if not words:
        return '-'
    if words[0].lower() in ('evalsha', 'fcall', 'fcall_ro') and len(words) >= 2:
        return ' '.join([words[0], words[1][:8]] + words[3:4])
    return ' '.join(words[:2])


def _longest_plain_call(phase):
    """The longest logged command of a phase that is not a script, as 'X ms (command)': an O(1)
    command that takes long was held up by the machine, not by its work."""
    by_command = ((phase or {}).get('calls') or {}).get('max_by_command') or {}
    plain = [(v.get('max_us') or 0, k) for k, v in by_command.items()
             if not k.lower().startswith(('evalsha', 'fcall', 'slowlog', 'latency', 'config'))]
    if not plain:
        return '-'
    us, name = max(plain)
    return f'{_ms(us / 1000)} ({name})'


def bigcolony(doc):
    params = doc['params']
    sizes = [str(s) for s in params['sizes']]
    largest = sizes[-1]
    judged = int(largest) >= LONGEST_CALL_AT
    limit = f'< {LONGEST_CALL_LIMIT_MS} ms at {LONGEST_CALL_AT:,}'

    def longest(v):
        return (v is not None and v < LONGEST_CALL_LIMIT_MS) if judged else None
    figs, notes = [], []
    for size in sizes:
        o, pe = doc['hub'][size], doc['peer_socketio'][size]
        snap = o['snapshot']
        n = int(size)
        peer_full = pe.get('held') == n
        figs.append(figure(f'snapshot of {n:,} agents: watch to last part (median)', snap['median_ms'],
                           pe['median_ms'] if peer_full else None, '(context)', None, 'ms', BIGCOLONY_PEER))
        figs.append(figure(f'snapshot bytes, {n:,} agents', snap['bytes'][0] / 1024,
                           pe['bytes'] / 1024 if peer_full and pe.get('bytes') else None, '(context)', None, 'KiB',
                           BIGCOLONY_PEER))
        peak = snap.get('rss_peak_kib')
        figs.append(figure(f"hub RSS growth serving the snapshot (peak), {n:,} agents",
                           None if peak is None else (peak - snap['rss_before_kib']) / 1024, None, '(context)', None,
                           'MiB'))
        v = _call_ms(snap)
        figs.append(figure(f'longest Redis call during the snapshot, {n:,} agents', v, None,
                           limit if size == largest else '(context)', longest(v) if size == largest else None,
                           'ms'))
        if 'list' in o:
            li = o['list']
            figs.append(figure(f'agents list over HTTP, every page, {n:,} agents', li['seconds'] * 1000, None,
                               '(context)', None, 'ms'))
            notes.append(f"{n:,}: agents list in {li['pages']} page{'s' if li['pages'] != 1 else ''} of up to "
                         f"{li['limit']:,}, {li['agents']:,} agents, {li['bytes']:,} bytes; longest Redis call "
                         f"{_ms(_call_ms(li))} ({_call_name(li)})")
        notes.append(f"{n:,}: {o['connect']['online']:,} of {n:,} online over {o['hubs']} hubs; snapshot in "
                     f"{snap['parts'][0]} part{'s' if snap['parts'][0] != 1 else ''} ({snap['announced_parts']} "
                     f"announced), {snap['agents'][0]:,} agents, runs {_join(snap['snapshot_ms'], ' ms')}; hub RSS "
                     f"{snap['rss_before_kib'] / 1024:.1f} MiB before, {(peak or 0) / 1024:.1f} peak, "
                     f"{snap['rss_after_kib'] / 1024:.1f} after; longest call {_call_name(snap)}, the longest that is "
                     f"not a script {_longest_plain_call(snap)}")
        if not peer_full:
            notes.append(f"{BIGCOLONY_PEER}, {n:,}: held {pe.get('held') or 0:,} of {n:,} over {pe['servers']} "
                         f"processes ({'; '.join(pe.get('client_errors') or []) or 'no error given'}); fetchSockets "
                         f"{_ms(pe.get('median_ms'))}, not compared")
        else:
            notes.append(f"{BIGCOLONY_PEER}, {n:,}: {pe['servers']} processes, fetchSockets runs "
                         f"{_join([f.get('ms') for f in pe['fetches']], ' ms')}, Redis took in "
                         f"{pe['fetches'][0].get('redis_input_bytes', 0):,} bytes per fetch")
    o = doc['hub'][largest]
    n = int(largest)
    for phase, what in (('connect', 'agents connecting'), ('refresh', 'heartbeat refresh batches'),
                        ('sweep', 'the sweep of a lost hub')):
        if phase not in o:
            continue
        v = _call_ms(o[phase])
        figs.append(figure(f'longest Redis call, {what}, {n:,} agents', v, None, limit, longest(v), 'ms'))
        notes.append(f"{phase}: longest call {_call_name(o[phase])}, {o[phase]['calls']['logged']:,} calls over "
                     f"{o[phase]['calls']['slower_than_us']} us logged; the longest that is not a script "
                     f"{_longest_plain_call(o[phase])}")
    for size in sizes:
        for phase in ('connect', 'snapshot', 'list', 'refresh', 'sweep'):
            if ((doc['hub'][size].get(phase) or {}).get('calls') or {}).get('full'):
                notes.append(f"{int(size):,}, {phase}: SLOWLOG was full, its oldest entries were lost; the longest "
                             f"call may be longer than the figure")
    if 'sweep' in o:
        s = o['sweep']
        if s['calls'].get('stats_scripts'):
            notes.append(f"sweep: the figure leaves out the scripts of the stats reads that watch it "
                         f"({', '.join(x.split()[-1][:8] for x in s['calls']['stats_scripts'])}); with them the "
                         f"longest call is {_ms((s['calls'].get('max_us_with_stats') or 0) / 1000)}")
        notes.append(f"sweep: hub of {s['victim_agents']:,} agents killed; "
                     + (f"the colony counted them offline after {s['offline_s']:.1f} s"
                        if s['offline_s'] is not None else
                        f"{s['online_before'] - s['online_after']:,} offline by the deadline"))
    if not doc.get('hub_snapshot_parts_flag'):
        notes.append('this mi-hub has no --snapshot-part-agents: every snapshot was one message')
    return Findings(figs, notes)


# ---- flood ---------------------------------------------------------------------------------

FLOOD_PEER = 'ws (memory only)'
# A server still busy this long after the generators stopped had a backlog it could not keep up
# with: it was saturated, and its count includes that backlog.
SATURATED_DRAIN_S = 2.0


def flood_saturated(side):
    if 'saturated' in side:
        return side['saturated']
    return side.get('drain_s', 0) > SATURATED_DRAIN_S


def flood(doc):
    ours, peer = doc['hub'], doc['peer_ws']
    v, pv = ours['frames_per_cpu_s'], peer['frames_per_cpu_s']
    figs = [figure('heartbeat frames per hub CPU-second', v, pv, '>= 500,000 and >= 3 x ws',
                   all_of(at_least(v, 500000), versus(v, pv, lambda o, p: o >= 3 * p)), 'frames/CPU-s', FLOOD_PEER),
            figure('heartbeat frames per second (wall, incl. drain)', ours['frames_per_s'], peer['frames_per_s'],
                   '(context)', None, 'frames/s', FLOOD_PEER)]
    notes = []
    for label, side in (('mi-hub', ours), (FLOOD_PEER, peer)):
        counted = f"{side['frames']:,.0f} frames counted" if side.get('frames') is not None else 'no count'
        line = f"{label}: {counted}, {side['cpu_s']:.1f} CPU-s, over {side['seconds']:.1f} s of flood"
        if flood_saturated(side):
            line += (f"; saturated: its count came {side['drain_s']:.1f} s after the flood, once it had worked "
                     f"off its backlog")
            if side.get('frames') is None:
                line += f" (it gave none: {side.get('stats_error') or 'no answer'})"
        else:
            line += f" and {side['drain_s']:.1f} s of drain"
        notes.append(line)
    if v is not None and pv is None:
        notes.append("the peer's count could not be read, so the 3 x ws part of the target is not judged")
    return Findings(figs, notes)


# ---- transitions ---------------------------------------------------------------------------

TRANSITIONS_PEER = 'ws+ioredis pub/sub'


def transitions_limit_ms(rate):
    return 5 if rate <= 1000 else 25


def _machine_us(run):
    return run['machine_us_per_cycle']['user'] + run['machine_us_per_cycle']['kernel']


def _busy(run, names=('servers', 'redis', 'agents', 'dashboards')):
    return ', '.join(f"{run['busy_cores'][k]:.2f}" for k in names)


@dataclass
class CoresNeeded:
    """The machine's CPU that the scenario's I/O alone takes at a rate, from the floor server's
    runs: its connections (measured with two watchers) and its deliveries (what the cheapest full
    run spent per cycle above the connections)."""
    conn_us: float
    full_us: float
    conn_cores: float
    delivery_cores: float
    reached: bool

    @property
    def total(self):
        return self.conn_cores + self.delivery_cores


def transitions_cores_needed(doc, rate):
    conn = doc['floor_connections'][str(rate)]
    conn_us = _machine_us(conn)
    full_us = min(_machine_us(r) for r in doc['floor_server_runs'][str(rate)])
    return CoresNeeded(conn_us=conn_us, full_us=full_us, conn_cores=conn_us * rate / 1e6,
                       delivery_cores=max(0.0, full_us - conn_us) * rate / 1e6,
                       reached=conn['cycles_per_s'] >= 0.95 * rate)


def _full(run, rate):
    return run['cycles_per_s'] >= 0.9 * rate and run['watchers_closed'] == 0


def transitions_rate(doc, rate):
    """The figures and notes of one asked rate."""
    key, watchers, cores = str(rate), doc['params']['watchers_per_hub'], doc['machine']['cores']
    o, p = doc['hub'][key], doc['peer_ws_pubsub'][key]
    f, fr = doc['floor_server'][key], doc['floor_server_redis'][key]
    floor_meets = p99(f['online_delay']) is not None and p99(f['online_delay']) <= transitions_limit_ms(rate) \
        and _full(f, rate)
    conn = doc['floor_connections'][key]
    floor = doc['send_floor']
    limit = transitions_limit_ms(rate)
    op, pp, fp, frp = p99(o['online_delay']), p99(p['online_delay']), p99(f['online_delay']), p99(fr['online_delay'])
    need = transitions_cores_needed(doc, rate)
    # Out of reach on this machine, shown by a measurement of the same run: the scenario's I/O
    # alone needs more cores than there are. (The floor servers' delays are no such proof: they
    # vary from run to run by more than their distance to a target near them.)
    too_many_cores = need.reached and need.total >= cores
    met = op is not None and op <= limit and _full(o, rate)
    hub_runs = doc['hub_runs'][key]
    floor_runs = doc['floor_server_runs'][key]
    redis_runs = doc['floor_server_redis_runs'][key]
    ou, fu = o['machine_us_per_cycle'], f['machine_us_per_cycle']
    figs = [
        figure(f'hello -> online at watcher p99, {rate}/s', op, pp, f'p99 <= {limit} ms', met, 'ms',
               TRANSITIONS_PEER, out_of_reach=not met and too_many_cores),
        figure(f'online transitions achieved, {rate}/s asked', o['cycles_per_s'], p['cycles_per_s'],
               '(context)', None, '/s', TRANSITIONS_PEER),
        figure(f'hello -> online p99 and the floor server, {rate}/s', op, fp, '(bound)', None, 'ms',
               'floor server'),
        figure(f'machine CPU per cycle and the floor server, {rate}/s', ou['user'] + ou['kernel'],
               fu['user'] + fu['kernel'], '(bound)', None, 'us', 'floor server'),
        figure(f"machine CPU per cycle and the floor server's connections alone, {rate}/s",
               ou['user'] + ou['kernel'], need.conn_us, '(bound)', None, 'us', 'floor server, 2 watchers'),
        figure(f'hello -> online p99 and the floor server through Redis, {rate}/s', op, frp, '(bound)',
               None, 'ms', 'floor server through Redis'),
    ]
    needed = rate * 2 * doc['params']['hubs'] * watchers  # an online and an offline event to every watcher
    at = f'{rate}/s'
    notes = [
        f"{at}, mi-hub: p99 of its {_runs(len(hub_runs))} {_join(p99(r['online_delay']) for r in hub_runs)} ms "
        f"(the figure is the median); to the probe's read, p99 {_ms(p99(o['online_delay_read']))}; "
        f"{o['cycles_per_s']:.0f} cycles/s; {o['watchers']} watchers, {o['watchers_closed']} closed, "
        f"{o['watcher_failures']} failed",
        f"{at}, floor server (the figure is its best run): p99 {', '.join(_floor_run(r) for r in floor_runs)}; "
        f"through Redis {_join(p99(r['online_delay']) for r in redis_runs)} ms; the best "
        f"{'meets' if floor_meets else 'misses'} the target; events of {fmt(f['mean_event_bytes'])} bytes "
        f"(mi-hub's {fmt(o['mean_event_bytes'])})",
        f"{at}, busy cores of {cores} (servers, Redis, agents, dashboards): mi-hub's run {_busy(o)}; the "
        f"floor server's {_busy(f)}; through Redis {_busy(fr)}",
        f"{at}, machine CPU per cycle, kernel + user: mi-hub {ou['kernel']:.0f} + {ou['user']:.0f} us, "
        f"floor server {fu['kernel']:.0f} + {fu['user']:.0f} us, its connections alone "
        f"{conn['machine_us_per_cycle']['kernel']:.0f} + {conn['machine_us_per_cycle']['user']:.0f} us "
        f"(at {conn['cycles_per_s']:.0f} cycles/s)",
        f"{at}, the I/O alone needs {need.conn_cores:.2f} (connections) + {need.delivery_cores:.2f} (deliveries) "
        f"= {need.total:.2f} of {cores} cores" + (': more than the machine has, so the target is out of reach here'
                                                   if not met and too_many_cores else ''),
        f"{at}, {needed:,.0f} deliveries/s asked: {needed / floor['sends_per_cpu_s']:.1f} cores at the send(2) "
        f"floor's one send each; one Redis thread takes at most {fmt(o['cycles_per_redis_cpu_s'])} of mi-hub's "
        f"cycles per CPU-second",
    ]
    return figs, notes


def _floor_run(run):
    how = f"every {run['flush_us']} us" if run.get('flush_us') else 'at once'
    return f"{_ms(p99(run['online_delay']))} {how}"


def transitions(doc):
    figs, notes = [], []
    for rate in doc['params']['rates']:
        f, n = transitions_rate(doc, rate)
        figs += f
        notes += n
    floor = doc['send_floor']
    notes.append(f"send(2) floor: one event to {floor['receivers']} sockets in p99 "
                 f"{_ms(p99(floor['time_to_last_receiver']))}, {floor['sends_per_cpu_s']:,.0f} sends per CPU-second")
    return Findings(figs, notes)


# ---- fanout --------------------------------------------------------------------------------

FANOUT_PEER = 'Socket.IO+redis-adapter'


def fanout(doc):
    ours, peer, floor, params = doc['hub'], doc['peer_socketio'], doc['send_floor'], doc['params']
    w, events = params['watchers'], params['events']
    peer_reported = peer.get('reported', True)
    ol, pl = ours['time_to_last_watcher']['p99_ms'], p99(peer.get('time_to_last_watcher'))
    od, pd = ours['deliveries_per_cpu_s'], peer.get('deliveries_per_cpu_s')
    fd, fl = floor['sends_per_cpu_s'], floor['time_to_last_receiver']['p99_ms']
    # The send(2) floor, measured in this run, bounds every server: a target beyond it is out of
    # reach on this machine (one write per watcher per event is all that one event allows).
    figs = [figure('time to last watcher p99', ol, pl, '<= 20 ms',
                   ol is not None and ol <= 20 and ours['events_complete'] == events,
                   'ms', FANOUT_PEER, out_of_reach=ol is not None and ol > 20 and fl > 20),
            figure('deliveries per hub CPU-second', od, pd, '>= 1,000,000 and >= 3 x Socket.IO',
                   all_of(at_least(od, 1e6), versus(od, pd, lambda o, p: o >= 3 * p)), 'deliveries/CPU-s', FANOUT_PEER,
                   out_of_reach=fd < 1e6 or (pd is not None and fd < 3 * pd)),
            figure('send(2) floor: sends per CPU-second, one per receiver', fd, None,
                   '(bound: no server delivers with less CPU)', None, 'sends/CPU-s', ''),
            figure(f'send(2) floor: one event to {w} receivers, p99', fl, None,
                   '(bound: no server delivers sooner)', None, 'ms', ''),
            figure('delivery latency p50', ours['delivery']['p50_ms'],
                   peer['delivery']['p50_ms'] if peer_reported else None, '(context)', None, 'ms', FANOUT_PEER)]
    notes = [f"mi-hub: {ours['events_complete']}/{events} events reached every watcher within 2 s of the last "
             f"send, {ours['deliveries']:,} deliveries; to the arrival in the last watcher's socket (the kernel's "
             f"stamp, as the floor times it), p99 {ours['time_to_last_watcher_arrival']['p99_ms']:.0f} ms"]
    if peer_reported:
        line = (f"{FANOUT_PEER}: {peer['events_complete']}/{events} events reached every client within 2 s of the "
                f"last send, {peer['deliveries']:,} of {events * peer['watchers']:,} deliveries")
        if peer['events_complete'] < events:
            line += '; saturated: it fell behind the events'
        notes.append(line)
    else:
        notes.append(f"{FANOUT_PEER}: saturated: its clients did not report within {peer.get('waited_s', 0):.0f} s "
                     f"({peer.get('error', '')})")
    if od and fd:
        notes.append(f"mi-hub at {od / fd:.0%} of the send(2) floor's sends per CPU-second"
                     + (f"; with the floor no server passes {fd / pd:.1f} x Socket.IO here" if pd else ''))
    return Findings(figs, notes)


# ---- reconnect -----------------------------------------------------------------------------

def reconnect(doc):
    ours, peer = doc['hub'], doc['peer_ws']
    v = ours['all_online_after_restart_s']
    figs = [figure('all online again after restart', v, peer['all_online_after_restart_s'], '<= 5 s',
                   at_most(v, 5), 's', 'ws+ioredis')]
    notes = []
    for label, s in (('mi-hub', ours), ('ws+ioredis', peer)):
        line = (f"{label}: {s['online_before']:,} online; stopped in {s['stop_s']:.1f} s, the new one up in "
                f"{s['server_start_s']:.2f} s; ")
        if s['all_online_after_restart_s'] is None:
            back = s.get('online_at_deadline')
            line += (f"saturated: {'?' if back is None else f'{back:,}'} of {s['agents']:,} back when the wait "
                     f"ended {s.get('waited_s', 0):.0f} s after the restart")
        else:
            line += (f"all back {s['all_online_after_first_close_s']:.1f} s after the first close, "
                     f"{s['reconnect_attempts']:,} attempts, {s['failed_attempts']:,} failed")
        notes.append(line)
    return Findings(figs, notes)


# ---- reconnect-tls -------------------------------------------------------------------------

RECONNECT_TLS_PEER = 'ws+ioredis on https'


def cpu_per_reconnect_us(storm):
    """The server's CPU over a storm per agent welcomed again, in µs; None if not all came back."""
    if storm.get('all_online_s') is None or not storm.get('welcomed'):
        return None
    return storm['server_cpu_s'] / storm['welcomed'] * 1e6


def _resumed(storm):
    if storm.get('all_online_s') is None:
        return 'not all back'
    return f"{storm['tls_resumed']:,} of {storm['tls_handshakes']:,} handshakes resumed"


def _storm_line(label, side, kind):
    s = side[kind]
    if s['all_online_s'] is None:
        return (f"{label}, {kind}: {s.get('online_at_deadline', 0):,} of {side['agents']:,} back by the deadline; "
                f"recorded as such")
    line = (f"{label}, {kind}: {s['welcomed']:,} welcomed again in {s['all_online_s']:.2f} s, "
            f"{s['attempts']:,} attempts, {s['failed_attempts']:,} failed, {s['server_cpu_s']:.2f} server CPU-s, ")
    if kind == 'drop':
        # One window for both: from the drop to the last welcome.
        busy = (s['server_cpu_s'] + s['generators_cpu_s']) / s['all_online_s'] if s['all_online_s'] else 0
        line += f"{s['generators_cpu_s']:.2f} generators' CPU-s ({busy:.2f} cores busy with both)"
    else:
        line += f"{s['generators_cpu_s']:.2f} generators' CPU-s from the stop"
    if s.get('tls_handshakes'):
        line += f", {_resumed(s)}"
    if kind == 'restart':
        line += f"; stopped in {s['stop_s']:.1f} s, the new one up in {s['server_start_s']:.2f} s"
    return line


def reconnect_tls(doc):
    ours, resume, plain = doc['hub'], doc['hub_resume'], doc['hub_plain']
    peer, peer_resume = doc['peer_ws'], doc['peer_ws_resume']
    cpu = cpu_per_reconnect_us
    figs = [
        figure('all online again after restart, TLS', ours['restart']['all_online_s'],
               peer['restart']['all_online_s'], '(context)', None, 's', RECONNECT_TLS_PEER),
        figure('server CPU per reconnect after restart, TLS', cpu(ours['restart']), cpu(peer['restart']),
               '(context)', None, 'CPU-us', RECONNECT_TLS_PEER),
        figure('hub CPU per reconnect after restart, TLS and plain', cpu(ours['restart']), cpu(plain['restart']),
               '(context)', None, 'CPU-us', HUB_PLAIN),
        figure('all online again after restart, tickets offered', resume['restart']['all_online_s'],
               peer_resume['restart']['all_online_s'], '(context)', None, 's', RECONNECT_TLS_PEER),
        figure('all online again after a drop, TLS', ours['drop']['all_online_s'], peer['drop']['all_online_s'],
               '(context)', None, 's', RECONNECT_TLS_PEER),
        figure('server CPU per reconnect after a drop, tickets offered', cpu(resume['drop']),
               cpu(peer_resume['drop']), '(context)', None, 'CPU-us', RECONNECT_TLS_PEER),
        figure('hub CPU per reconnect after a drop, tickets offered and not', cpu(resume['drop']), cpu(ours['drop']),
               '(context)', None, 'CPU-us', 'mi-hub, full handshakes'),
        figure('hub CPU per reconnect after a drop, TLS and plain', cpu(ours['drop']), cpu(plain['drop']),
               '(context)', None, 'CPU-us', HUB_PLAIN),
    ]
    notes = []
    for label, side in (('mi-hub, TLS', ours), ('mi-hub, TLS, tickets offered', resume), ('mi-hub, plain', plain),
                        (f'{RECONNECT_TLS_PEER}', peer), (f'{RECONNECT_TLS_PEER}, tickets offered', peer_resume)):
        notes += [_storm_line(label, side, 'drop'), _storm_line(label, side, 'restart')]
    tls_share = difference(cpu(ours['restart']), cpu(plain['restart']))
    if tls_share is not None:
        notes.append(f"the TLS share of a reconnect to a restarted hub (TLS minus plain): {tls_share:,.0f} CPU-us, of "
                     f"{cpu(ours['restart']):,.0f}")
    for label, side in (('mi-hub', resume), (RECONNECT_TLS_PEER, peer_resume)):
        r = side['restart']
        if r['all_online_s'] is not None and r['tls_handshakes'] and r['tls_resumed'] == 0:
            notes.append(f"{label}: no session offered to the restarted process resumed (it did not accept the "
                         f"tickets its previous process issued)")
    gens = doc['params']['generators']
    notes.append(f"{gens} generator process{'' if gens == 1 else 'es'}; the server's CPU (/proc/PID/stat) over each "
                 f"storm per agent welcomed again, a restarted one's from its start less what it spent starting "
                 f"with no agent")
    return Findings(figs, notes)


# ---- redis-cost ----------------------------------------------------------------------------

def redis_cost_bound(params):
    """Commands per second the hub may take: a refresh per agent per TTL/4, + events (none happen
    in the window), + 1 for the hub's own liveness beats."""
    return params['agents'] / (params['ttl_s'] / 4) + 1


def redis_cost(doc):
    ours, peer, ceiling, params = doc['hub'], doc['peer_ws_set'], doc['redis_benchmark'], doc['params']
    bound = redis_cost_bound(params)
    v, pv = ours['redis_commands_per_s'], peer['redis_commands_per_s']
    oh, ph = ours['commands_per_heartbeat'], peer['commands_per_heartbeat']
    within = at_most(v, bound * 1.1 + 2)
    figs = [figure('Redis commands per second', v, pv,
                   '<= agents/(TTL/4) + events, >= 100 x fewer than ws+SET EX',
                   all_of(within, versus(pv, v, lambda p, o: p >= 100 * o)), 'cmd/s', 'ws+ioredis SET EX',
                   ratio=(pv / v) if v else None, ratio_is='peer/ours'),
            # The peer cannot take the offered heartbeats on this machine (it shares the cores with
            # the generators and Redis), so its commands per second stop where its intake does and
            # vary with the CPU it gets. Per heartbeat written to each server, both are compared on
            # the load each one was offered. Heartbeats still waiting in the peer's socket buffers
            # count too, which lowers the peer's figure: the ratio errs in the peer's favour. (The
            # peer's own count cannot stand in: its saturated workers do not get to report it.)
            figure('Redis commands per heartbeat sent', oh, ph, '>= 100 x fewer than ws+SET EX',
                   all_of(within, versus(ph, oh, lambda p, o: p >= 100 * o)), 'cmd/heartbeat', 'ws+ioredis SET EX',
                   ratio=ph / oh if oh else None, ratio_is='peer/ours'),
            figure('redis-benchmark ceiling SET EX (pipeline 16)', ceiling['set_ex_p16'], ceiling['set_ex_p1'],
                   '(context: peer column is without pipelining)', None, 'cmd/s', 'redis-benchmark')]

    def received(s):
        if s['frames_per_s'] is not None:
            return f"{s['frames_per_s']:,.0f}/s"
        return 'not read (saturated: it did not answer its stats)'
    notes = [f"bound {bound:.0f} commands/s: {params['agents']:,} agents / (TTL {params['ttl_s']} s / 4) + 1",
             f"heartbeats sent: to mi-hub {ours['heartbeats_sent_per_s']:,.0f}/s, to the peer "
             f"{peer['heartbeats_sent_per_s']:,.0f}/s, of {params['agents'] / params['heartbeat_s']:,.0f}/s asked",
             f"heartbeats received: mi-hub {received(ours)}, the peer {received(peer)}",
             f"server cores: mi-hub {ours['server_cpu_cores']:.2f}, the peer {peer['server_cpu_cores']:.2f}"]
    return Findings(figs, notes)


# ---- webhook -------------------------------------------------------------------------------

# The contract: a delivery leaves at most --webhook-batch-wait after its first event. An event's
# age at its acknowledgement is then within that wait plus the POST's round trip and a pass of the
# pump; a second over the wait leaves room for the machine being shared with the load.
def webhook_age_limit_ms(params):
    return params['batch_wait_s'] * 1000 + 1000


def webhook(doc):
    params = doc['params']
    offered = doc['transitions_per_s']
    delivered = doc['delivered_per_s']
    age = doc['age_ms']
    limit = webhook_age_limit_ms(params)
    clean = doc['drained'] and doc['bad_signatures'] == 0
    figs = [figure('transitions/s delivered as webhook events', delivered, offered,
                   '>= 99% of the transitions made, all delivered, signatures valid',
                   all_of(at_least(delivered, 0.99 * offered) if offered else False, clean), 'events/s',
                   'transitions made', ratio_is='ours/made'),
            figure('p99 age of an event when its delivery arrives, under load', p99(age), None,
                   f'<= {limit:.0f} ms (batch wait {params["batch_wait_s"]:g} s + 1 s)',
                   at_most(p99(age), limit), 'ms')]
    tail = doc['tail_age_ms']
    notes = [f"{doc['cycles']:,} cycles (hello, {params['hold_ms']} ms, close) in {doc['window_s']} s: "
             f"{doc['events_made']:,} events delivered in {doc['deliveries']:,} POSTs (with the pool's joins "
             f"before), {doc['duplicates']} duplicates, {doc['bad_signatures']} bad signatures",
             f"age over {age['count']:,} events with a batch wait of load after them: p50 {_ms(age['p50_ms'])}, "
             f"max {_ms(age['max_ms'])}; the last {tail['count']:,} (no full batch after them) p99 "
             f"{_ms(tail['p99_ms'])}",
             f"hub webhook failures {doc['hub_webhook_failures']:.0f}, dropped {doc['hub_webhook_dropped']:.0f}; "
             f"busy cores: hub {doc['busy_cores']['hub']:.2f}, redis {doc['busy_cores']['redis']:.2f}"]
    return Findings(figs, notes)


# ---- dispatch ------------------------------------------------------------------------------

FINDINGS = {'idle': idle, 'idle-tls': idle_tls, 'flood': flood, 'transitions': transitions, 'fanout': fanout,
            'reconnect': reconnect, 'reconnect-tls': reconnect_tls, 'redis-cost': redis_cost, 'box': box,
            'bigcolony': bigcolony, 'webhook': webhook}


def findings(doc):
    """The figures and notes of a results document, from its measurements."""
    return FINDINGS[doc['scenario']](doc)


def document(scenario, quick, params, machine, data, date=None):
    """The results JSON of a run: its header, the figures and notes derived from data, then data."""
    doc = {'scenario': scenario, 'quick': quick, 'date': date or time.strftime('%Y-%m-%d %H:%M:%S %Z'),
           'command': 'bench/run ' + ('--quick ' if quick else '') + scenario, 'params': params,
           'machine': machine, **data}
    found = findings(doc)
    head = {k: doc.pop(k) for k in ('scenario', 'quick', 'date', 'command', 'params', 'machine')}
    return {**head, 'figures': found.figures, 'notes': found.notes, **doc}


def write(doc, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, doc['scenario'] + '.json')
    with open(path, 'w') as f:
        json.dump(doc, f, indent=2)
        f.write('\n')
    return path


def summary_lines(doc):
    """What a run prints of its figures."""
    lines = []
    for fig in doc['figures']:
        ratio = fmt(fig['ratio']) + (f" ({fig['ratio_is']})" if fig.get('ratio_is') else '')
        lines.append(f"  {fig['name']}: ours={fmt(fig['ours'])} {fig['unit']} peer({fig['peer_name']})="
                     f"{fmt(fig['peer'])} ratio={ratio} target: {fig['target']} -> {verdict(fig)}")
    lines += [f'  note: {n}' for n in doc.get('notes', [])]
    return lines
