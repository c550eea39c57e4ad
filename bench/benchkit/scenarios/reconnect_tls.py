"""reconnect-tls: the reconnect scenario over wss://, and what a handshake costs the server.

Each server holds the agents twice over, once with full handshakes only and once with every agent
offering the session (ticket) its server last sent (mi-loadgen --tls-resume); the hub also holds
them in plain WebSocket, for the share of a reconnect that is TLS. Each time two storms follow:
a drop (every connection closed from the clients' side at once; they reconnect to the same server
process, which can resume the sessions it issued) and a restart (SIGTERM, a new process on the
same port, as in the reconnect scenario). For each storm: the time until every agent is welcomed
again, and the server's CPU over it (/proc/PID/stat) per agent welcomed again; the generators
count the handshakes and those that resumed. A restarted server's CPU is counted from its start,
less what the same server spent starting with no agent (measured at its first start)."""
import time
from dataclasses import dataclass

from .. import measure, servers, tls
from ..generators import DEFAULT_SOURCES, NoLine, go_all, loadgen, prepare_tokens, tls_flags
from ..processes import log

NAME = 'reconnect-tls'

COUNTERS = ('welcomes', 'reconnects', 'failures', 'tls_handshakes', 'tls_resumed')


@dataclass(frozen=True)
class Params:
    agents: int
    generators: int
    heartbeat_s: int = 30
    # After every agent is online, before a storm: their tickets have come and heartbeats begun.
    settle_s: float = 3
    # For every agent to be back after a storm: a server that is not by then is recorded as such.
    all_online_deadline_s: int = 300


FULL = Params(agents=19000, generators=2)
QUICK = Params(agents=300, generators=1, settle_s=1, all_online_deadline_s=60)


def params(quick, settings):
    return QUICK if quick else FULL


def run(ctx, p):
    certs = tls.make_certs(ctx.work)
    with servers.Redis(ctx) as redis:
        with servers.hub(ctx, 'hub', redis, 'rct-prep') as hub:
            tokens, _ = prepare_tokens(ctx, hub.port, p.agents, 'reconnect-tls')

        def hub_with(certificate):
            return lambda: servers.hub(ctx, 'hub', redis, 'rct', tls=certificate)
        plain = storms(ctx, p, tokens, hub_with(None), 'hub-plain', {})
        ours = storms(ctx, p, tokens, hub_with(certs), 'hub-tls', tls_flags(certs))
        ours_resume = storms(ctx, p, tokens, hub_with(certs), 'hub-tls-resume', tls_flags(certs, resume=True))
    with servers.Redis(ctx, 'redis-peer') as peer_redis:
        def ws():
            return servers.ws_peer(ctx, 'ws', peer_redis, tls=certs)
        peer = storms(ctx, p, tokens, ws, 'ws-tls', tls_flags(certs))
        peer_resume = storms(ctx, p, tokens, ws, 'ws-tls-resume', tls_flags(certs, resume=True))
    return {'hub': ours, 'hub_resume': ours_resume, 'hub_plain': plain, 'peer_ws': peer, 'peer_ws_resume': peer_resume}


def sources_of(i, generators):
    """The i-th generator's share of the default source addresses."""
    addresses = DEFAULT_SOURCES.split(',')
    return ','.join(addresses[i::generators])


def agents_of(p, i):
    """(offset, count) of the i-th generator; the last takes the remainder."""
    per = p.agents // p.generators
    return i * per, per if i < p.generators - 1 else p.agents - per * (p.generators - 1)


def counters(line):
    """The generator's cumulative counters in a READY or ALLONLINE line (READY has no reconnects)."""
    return {k: line.get(k, 0) for k in COUNTERS}


def delta(after, before):
    return {k: sum(a[k] for a in after) - sum(b[k] for b in before) for k in COUNTERS}


def storms(ctx, p, tokens, start_server, label, flags):
    server = start_server()
    startup_cpu_s = measure.tree_cpu_s(server.pid)
    gens = []
    for i in range(p.generators):
        offset, count = agents_of(p, i)
        # They last past both storms' deadlines; they are stopped once the second is over.
        gens.append(loadgen(ctx, 'agents', f'rct-{label}-{i}', [server.port], tokens=tokens, offset=offset,
                            count=count, heartbeat=p.heartbeat_s, duration=2 * p.all_online_deadline_s + 300,
                            barrier=True, reconnect=True, concurrency=max(1, 400 // p.generators),
                            source=sources_of(i, p.generators), **flags))
    try:
        ready = [g.wait('ready', 900) for g in gens]
        online = sum(r['online'] for r in ready)
        go_all(gens)
        log(f'{label}: {online} of {p.agents} online in {max(r["connect_s"] for r in ready):.1f} s')
        time.sleep(p.settle_s)
        before = [counters(r) for r in ready]

        # A drop: every connection closed by the clients at once; the same server takes them back.
        for g in gens:
            g.allonline = g.dropped = None
        c0, g0 = measure.tree_cpu_s(server.pid), generators_cpu_s(gens)
        for g in gens:
            g.command('drop')
        dropped = [g.wait('dropped', 60) for g in gens]
        t_drop = min(d['t_ns'] for d in dropped)
        back = wait_all_online(gens, t_drop, p.all_online_deadline_s)
        drop = storm_result(back, before, measure.tree_cpu_s(server.pid) - c0, t_drop, gens)
        drop['generators_cpu_s'] = generators_cpu_s(gens) - g0
        drop['dropped'] = sum(d['dropped'] for d in dropped)
        log(f'{label}: drop: {describe(drop)}')
        if back:
            before = [counters(a) for a in back]
        time.sleep(p.settle_s)

        # A restart: SIGTERM, then a new process on the same port.
        for g in gens:
            g.allonline = None
        g0 = generators_cpu_s(gens)
        t_stop = time.monotonic_ns()
        server.stop()
        t_restart = time.monotonic_ns()
        server = start_server()
        t_up = time.monotonic_ns()
        back = wait_all_online(gens, t_restart, p.all_online_deadline_s)
        restart = storm_result(back, before, measure.tree_cpu_s(server.pid) - startup_cpu_s, t_restart, gens)
        restart.update({'stop_s': (t_restart - t_stop) / 1e9, 'server_start_s': (t_up - t_restart) / 1e9,
                        'generators_cpu_s': generators_cpu_s(gens) - g0})
        if back:
            restart['all_online_after_first_close_s'] = \
                (max(a['t_ns'] for a in back) - min(a['storm_first_close_ns'] for a in back)) / 1e9
        log(f'{label}: restart: {describe(restart)}')
    finally:
        for g in gens:
            g.kill()
        server.stop()
    return {'agents': p.agents, 'online_before': online, 'startup_cpu_s': startup_cpu_s, 'drop': drop,
            'restart': restart}


def generators_cpu_s(gens):
    """The generators' CPU seconds: beside the server's, whether they had cores to spare."""
    return sum(measure.cpu_s(g.pid) for g in gens)


def wait_all_online(gens, t0_ns, deadline_s):
    """Every generator's ALLONLINE line, or None if one has none by deadline_s after t0_ns."""
    lines = []
    for g in gens:
        left = deadline_s - (time.monotonic_ns() - t0_ns) / 1e9
        try:
            lines.append(g.wait('allonline', max(0.1, left)))
        except NoLine:
            if g.eof:
                raise
            return None
    return lines


def storm_result(back, before, server_cpu_s, t0_ns, gens):
    """One storm's figures: the time from t0_ns to the last agent welcomed, the server's CPU and
    what the generators counted over it; when not all came back, how many had."""
    if back is None:
        return {'all_online_s': None, 'server_cpu_s': server_cpu_s,
                'online_at_deadline': sum((g.progress or {}).get('online', 0) for g in gens)}
    d = delta([counters(a) for a in back], before)
    return {'all_online_s': (max(a['t_ns'] for a in back) - t0_ns) / 1e9, 'server_cpu_s': server_cpu_s,
            'welcomed': d['welcomes'], 'attempts': d['reconnects'], 'failed_attempts': d['failures'],
            'tls_handshakes': d['tls_handshakes'], 'tls_resumed': d['tls_resumed']}


def describe(s):
    if s['all_online_s'] is None:
        return f"not all back ({s['online_at_deadline']} online at the deadline)"
    return (f"all back in {s['all_online_s']:.2f} s, {s['welcomed']} welcomed, {s['server_cpu_s']:.2f} server "
            f"CPU-s, {s['tls_resumed']} of {s['tls_handshakes']} handshakes resumed")
