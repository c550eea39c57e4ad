"""idle-tls: the idle scenario over wss://. The same agents are held by a plain hub, by a hub
terminating TLS, and by the Node peer on https (the same ECDSA P-256 certificate); RSS per
connection and CPU of each. What OpenSSL holds per idle connection is the TLS hub's figure minus
the plain one's, counted two ways in the same run: RSS, and the heap in use (glibc's
malloc_stats, called in the hub through gdb before and after connecting)."""
from dataclasses import dataclass

from .. import servers, tls
from ..generators import prepare_tokens, tls_flags
from . import idle

NAME = 'idle-tls'


@dataclass(frozen=True)
class Params:
    agents: int
    hold_s: int
    heartbeat_s: int = 30
    count_heap: bool = True  # the hubs' heap in use beside their RSS (needs gdb; stops each hub twice)


FULL = Params(agents=19000, hold_s=60)
QUICK = Params(agents=300, hold_s=3, count_heap=False)


def params(quick, settings):
    return QUICK if quick else FULL


def run(ctx, p):
    certs = tls.make_certs(ctx.work)
    with servers.Redis(ctx) as redis:
        with servers.hub(ctx, 'hub', redis, 'idle-tls-prep') as hub:
            tokens, prep = prepare_tokens(ctx, hub.port, p.agents, 'idle-tls')
        with servers.hub(ctx, 'hub', redis, 'idle-plain') as hub:
            plain = idle.hold(ctx, p, hub, 'hub-plain', tokens, count_heap=p.count_heap)
        with servers.hub(ctx, 'hub', redis, 'idle-tls', tls=certs) as hub:
            ours = idle.hold(ctx, p, hub, 'hub-tls', tokens, count_heap=p.count_heap, **tls_flags(certs))
    with servers.Redis(ctx, 'redis-peer') as peer_redis, \
            servers.ws_peer(ctx, 'ws', peer_redis, tls=certs) as ws:
        peer = idle.hold(ctx, p, ws, 'ws-tls', tokens, **tls_flags(certs))
    return {'hub': ours, 'hub_plain': plain, 'peer_ws': peer, 'prepare': prep}
