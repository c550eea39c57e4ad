"""flood: agents write pre-masked heartbeat frames as fast as the server reads them; frames the
server counted per CPU-second.

A flooded server falls behind: what the generators wrote waits in its sockets' buffers, and it
works that backlog off after the flood has ended. So the server's own count is read before the
flood and once it has drained (its CPU has gone quiet), with a long deadline, and the frames and
CPU are over exactly that work. A server still draining long after the flood was saturated: the
results say so (`saturated`, `drain_s`); a count it does not give even then is recorded as not
read, never a failed run.
"""
import time
from dataclasses import dataclass

from .. import measure, servers
from ..generators import go_all, loadgen, prepare_tokens, source
from ..processes import log
from ..report import SATURATED_DRAIN_S

NAME = 'flood'


@dataclass(frozen=True)
class Params:
    agents: int
    seconds: int
    generators: int
    batch: int = 64                 # frames per write
    drain_deadline_s: int = 900     # for the server to work off the flood
    read_deadline_s: int = 300      # for its count, once drained


FULL = Params(agents=10000, seconds=10, generators=2)
QUICK = Params(agents=200, seconds=3, generators=1, drain_deadline_s=120, read_deadline_s=60)


def params(quick, settings):
    return QUICK if quick else FULL


def run(ctx, p):
    with servers.Redis(ctx) as redis, servers.hub(ctx, 'hub', redis, 'flood') as hub:
        tokens, _ = prepare_tokens(ctx, hub.port, p.agents, 'flood')
        ours = flood(ctx, p, hub, 'hub', tokens,
                     lambda timeout: measure.hub_counter(hub.port, 'mi_ws_messages_in_total', timeout))
    # A ws peer doing SET EX per frame is not measured here: under a flood its ioredis queue grows
    # without bound and Node dies out of heap (seen in the first runs), so there is no steady figure.
    with servers.ws_peer(ctx, 'ws') as ws:
        peer = flood(ctx, p, ws, 'ws', tokens, lambda timeout: measure.peer_counter(ws.port, 'frames', timeout))
    return {'hub': ours, 'peer_ws': peer}


def flood(ctx, p, server, label, tokens, frames_of):
    per = p.agents // p.generators
    gens = [loadgen(ctx, 'flood', f'flood-{label}-{i}', [server.port], tokens=tokens, offset=i * per, count=per,
                    duration=p.seconds + 2, barrier=True, batch=p.batch, concurrency=400, source=source(i))
            for i in range(p.generators)]
    online = sum(g.wait('ready', 300)['online'] for g in gens)
    before = measure.read_patiently(frames_of, p.read_deadline_s)
    if not before.ok:
        raise RuntimeError(f'{label} did not give its frame count before the flood: {before.error}')
    c0, t0 = measure.cpu_s(server.pid), time.monotonic()
    go_all(gens)
    time.sleep(p.seconds)
    sent = sum(g.sent() for g in gens)
    for g in gens:
        g.kill()
    t1 = time.monotonic()
    quiet_s, drained = measure.wait_quiet(server.pid, p.drain_deadline_s, cpu=measure.cpu_s)
    if not drained:
        log(f'{label}: still busy {quiet_s:.0f} s after the flood; reading its count anyway')
    after = measure.read_patiently(frames_of, p.read_deadline_s)
    c1, t2 = measure.cpu_s(server.pid), time.monotonic()
    cpu = c1 - c0
    frames = after.value - before.value if after.ok else None
    saturated = t2 - t1 > SATURATED_DRAIN_S or not drained or not after.ok
    if saturated:
        log(f'{label}: saturated: {t2 - t1:.1f} s from the end of the flood to its count'
            + ('' if after.ok else f', which it did not give ({after.error})'))
    return {'online': online, 'frames': frames, 'seconds': t1 - t0, 'cpu_s': cpu, 'drain_s': t2 - t1,
            'frames_per_s': frames / (t2 - t0) if frames is not None else None,
            'frames_per_cpu_s': frames / cpu if frames is not None and cpu else None,
            'cpu_cores': cpu / (t1 - t0),
            # What the generators had written by their last progress line before they stopped:
            # context beside the server's count, and all there is when it gave none.
            'frames_sent_by_last_progress': sent,
            'saturated': saturated, 'quiet_after_s': quiet_s, 'drained': drained,
            'count_read_s': after.seconds, 'count_read_attempts': after.attempts, 'stats_error': after.error}
