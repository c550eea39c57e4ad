"""reconnect: agents on one server; the server restarts on the same port, and they reconnect
with jittered backoff; the time until every agent is welcomed again."""
import time
from dataclasses import dataclass

from .. import servers
from ..generators import NoLine, loadgen, prepare_tokens
from ..processes import log

NAME = 'reconnect'


@dataclass(frozen=True)
class Params:
    agents: int
    heartbeat_s: int = 30
    # For every agent to be back: a server that is not by then is recorded as such.
    all_online_deadline_s: int = 300


FULL = Params(agents=19000)
QUICK = Params(agents=300, all_online_deadline_s=60)


def params(quick, settings):
    return QUICK if quick else FULL


def run(ctx, p):
    with servers.Redis(ctx) as redis:
        with servers.hub(ctx, 'hub', redis, 'rc-prep') as hub:
            tokens, _ = prepare_tokens(ctx, hub.port, p.agents, 'reconnect')
        ours = restart(ctx, p, tokens, lambda: servers.hub(ctx, 'hub', redis, 'rc'), 'hub')
    with servers.Redis(ctx, 'redis-peer') as peer_redis:
        peer = restart(ctx, p, tokens, lambda: servers.ws_peer(ctx, 'ws', peer_redis), 'ws')
    return {'hub': ours, 'peer_ws': peer}


def restart(ctx, p, tokens, start_server, label):
    server = start_server()
    # The generator lasts past the deadline; it is stopped once every agent is back.
    g = loadgen(ctx, 'agents', f'reconnect-{label}', [server.port], tokens=tokens, count=p.agents,
                heartbeat=p.heartbeat_s, duration=p.all_online_deadline_s + 60, barrier=True, reconnect=True,
                concurrency=400)
    ready = g.wait('ready', 300)
    g.go()
    log(f'{label}: {ready["online"]} online; restarting the server')
    t_stop = time.monotonic_ns()
    server.stop()
    t_restart = time.monotonic_ns()
    server = start_server()
    t_up = time.monotonic_ns()
    try:
        all_on = g.wait('allonline', p.all_online_deadline_s)
    except NoLine:
        if g.eof:
            raise
        all_on = None
    online_then = (g.progress or {}).get('online')
    g.kill()
    server.stop()
    res = {'agents': p.agents, 'online_before': ready['online'], 'stop_s': (t_restart - t_stop) / 1e9,
           'server_start_s': (t_up - t_restart) / 1e9}
    if all_on is None:
        log(f'{label}: {online_then} of {p.agents} back after {p.all_online_deadline_s} s; recorded as such')
        res.update({'all_online_after_restart_s': None, 'all_online_after_first_close_s': None,
                    'reconnect_attempts': None, 'failed_attempts': None, 'online_at_deadline': online_then,
                    'waited_s': p.all_online_deadline_s})
    else:
        res.update({'all_online_after_restart_s': (all_on['t_ns'] - t_restart) / 1e9,
                    'all_online_after_first_close_s': (all_on['t_ns'] - all_on['first_close_ns']) / 1e9,
                    'reconnect_attempts': all_on['reconnects'], 'failed_attempts': all_on['failures']})
    return res
