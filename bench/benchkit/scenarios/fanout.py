"""fanout: one agent sends chat messages to a colony of watchers on one hub; the time to the
last watcher, and deliveries per hub CPU-second, beside Socket.IO and the send(2) floor."""
import time
from dataclasses import dataclass

from .. import measure, servers
from ..generators import NoLine, loadgen, prepare_tokens, send_floor, socketio_clients
from ..processes import log

NAME = 'fanout'


@dataclass(frozen=True)
class Params:
    watchers: int
    events: int
    events_per_s: int = 20
    # After the last event, for a report: a saturated server (or the clients' own process)
    # delivers long after the events were sent.
    report_deadline_s: int = 600


FULL = Params(watchers=10000, events=200)
QUICK = Params(watchers=100, events=20, report_deadline_s=120)


def params(quick, settings):
    return QUICK if quick else FULL


def run(ctx, p):
    with servers.Redis(ctx) as redis, servers.hub(ctx, 'hub', redis, 'fanout') as hub:
        tokens, _ = prepare_tokens(ctx, hub.port, 1, 'fanout')
        ours = hub_fanout(ctx, p, hub, tokens)
    with servers.Redis(ctx, 'redis-peer') as peer_redis, servers.socketio_server(ctx, 'socketio', peer_redis) as srv:
        peer = socketio_fanout(ctx, p, srv)
    floor = send_floor(ctx, p.watchers, p.events, p.events_per_s)
    return {'hub': ours, 'peer_socketio': peer, 'send_floor': floor}


def delivered(hub, timeout):
    return measure.hub_counter(hub.port, 'mi_events_delivered_total', timeout)


def hub_fanout(ctx, p, hub, tokens):
    g = loadgen(ctx, 'fanout', 'fanout-hub', [hub.port], tokens=tokens, watchers=p.watchers, events=p.events,
                rate=p.events_per_s, barrier=True, concurrency=400)
    g.wait('ready', 300)
    d0, c0 = delivered(hub, 60), measure.cpu_s(hub.pid)
    g.go()
    ours = g.finish(p.events / p.events_per_s + p.report_deadline_s)
    d1 = measure.read_patiently(lambda timeout: delivered(hub, timeout), 300)
    c1 = measure.cpu_s(hub.pid)
    ours.update({'hub_cpu_s': c1 - c0, 'hub_deliveries_metric': d1.value - d0 if d1.ok else None,
                 'deliveries_per_cpu_s': ours['deliveries'] / (c1 - c0) if c1 > c0 else None})
    return ours


def socketio_fanout(ctx, p, srv):
    """The Socket.IO clients' report; if they give none in time (their server, or their own
    process, saturated), a record that says so in its place."""
    clients = socketio_clients(ctx, srv.port, p.watchers, p.events, p.events_per_s)
    ready = clients.wait('ready', 900)
    c0, t0 = measure.cpu_s(srv.pid), time.monotonic()
    clients.go()
    try:
        peer = clients.finish(p.events / p.events_per_s + p.report_deadline_s)
    except NoLine as e:
        if clients.eof:
            raise
        log(f'Socket.IO: {e}; recorded as saturated')
        clients.kill()
        peer = {'mode': 'fanout', 'peer': 'socket.io', 'reported': False, 'error': str(e),
                'waited_s': time.monotonic() - t0, 'watchers': ready.get('watchers_ready'), 'events': p.events,
                'events_complete': None, 'deliveries': None}
    c1 = measure.cpu_s(srv.pid)
    peer['server_cpu_s'] = c1 - c0
    peer['deliveries_per_cpu_s'] = peer['deliveries'] / (c1 - c0) if peer['deliveries'] and c1 > c0 else None
    return peer
