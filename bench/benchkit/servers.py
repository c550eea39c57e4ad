"""The servers a scenario starts: Redis, mi-hub, and the Node peers (bench/peers). Each start
function takes a port name, gets its port from the run's allocator, waits until the server
answers, and returns a Child (a context manager that stops it)."""
import os
import subprocess
import time

from . import measure
from .settings import ADMIN_TOKEN

# Starting on a machine whose caches are cold (a first Node start loads its modules from disk)
# takes longer than on a warm one.
START_DEADLINE_S = 60
# SLOWLOG entries kept while a phase's calls are watched: enough for every call of three snapshot
# reads of 100,000 agents with the threshold at 0 (today's hub makes a few calls per agent
# besides its script), and the calls of a minute of 100,000 agents above 100 µs. Some 300 bytes
# of Redis' memory each.
SLOWLOG_MAX_LEN = 1500000


class Redis:
    """A redis-server without persistence, in the run's work directory."""

    def __init__(self, run, port_name='redis', nice=0):
        """`nice` below 0 raises Redis' priority (root only): on a machine whose cores the hubs and
        generators keep busy, Redis is otherwise preempted in the middle of its calls, and a call's
        time in SLOWLOG is then the scheduler's, not the call's."""
        self.port = run.ports(port_name)
        d = run.path(f'redis-{self.port}')
        os.makedirs(d, exist_ok=True)
        self.nice = nice if nice >= 0 or os.geteuid() == 0 else 0
        prefix = ['nice', '-n', str(self.nice)] if self.nice else []
        self.proc = run.spawn(prefix + ['redis-server', '--port', str(self.port), '--save', '', '--appendonly', 'no',
                                        '--dir', d, '--maxclients', '20000'], f'redis-{self.port}')
        end = time.monotonic() + START_DEADLINE_S
        while self.cli('ping').strip() != 'PONG':
            if not self.proc.running() or time.monotonic() > end:
                raise RuntimeError(f'redis on {self.port} did not start; see its log')
            time.sleep(0.05)

    @property
    def pid(self):
        return self.proc.pid

    def cli(self, *args):
        r = subprocess.run(['redis-cli', '-p', str(self.port), *args], capture_output=True, text=True)
        return r.stdout

    def call(self, *args, timeout=60):
        """One command over a socket of its own; the parsed reply (measure.parse_resp)."""
        return measure.redis_call(self.port, *args, timeout=timeout)

    def info(self, section):
        return measure.parse_info(self.cli('info', section))

    def watch_calls(self, slower_than_us=0, max_len=SLOWLOG_MAX_LEN):
        """Starts a phase whose longest calls read_calls() then gives: SLOWLOG logs every call
        slower than slower_than_us (0: all), the latency monitor every event of 1 ms or more;
        both start empty."""
        self._slower_than_us, self._max_len = slower_than_us, max_len
        self.call('CONFIG', 'SET', 'slowlog-max-len', str(max_len))
        self.call('CONFIG', 'SET', 'slowlog-log-slower-than', str(slower_than_us))
        self.call('SLOWLOG', 'RESET')
        self.call('CONFIG', 'SET', 'latency-monitor-threshold', '1')
        self.call('LATENCY', 'RESET')

    def read_calls(self, top=100):
        """The phase's calls since watch_calls(): the longest (µs and command), the longest per
        command, the top entries of SLOWLOG as logged, and LATENCY LATEST and HISTORY raw. Then
        logging returns to Redis' defaults."""
        entries = measure.slowlog_entries(self.call('SLOWLOG', 'GET', '-1'))
        latest = self.call('LATENCY', 'LATEST')
        history = {e: self.call('LATENCY', 'HISTORY', e) for e in measure.latency_latest(latest)}
        self.call('CONFIG', 'SET', 'slowlog-log-slower-than', '10000')
        self.call('CONFIG', 'SET', 'slowlog-max-len', '128')
        self.call('CONFIG', 'SET', 'latency-monitor-threshold', '0')
        return measure.calls_summary(entries, latest, history, getattr(self, '_slower_than_us', 0), top,
                                     getattr(self, '_max_len', None))

    def commandstats(self):
        return measure.parse_commandstats(self.cli('info', 'commandstats'))

    def commands(self):
        """Total calls over every command, minus the INFO calls made to read it."""
        return measure.commands_total(self.commandstats())

    def stop(self):
        self.proc.stop()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def hub(run, port_name, redis, hub_id, ttl=120, extra=(), tls=None):
    """mi-hub on the port of port_name; tls (tls.Certs): it serves HTTPS and WSS with them."""
    port = run.ports(port_name)
    cmd = [run.settings.hub, '--listen', f'127.0.0.1:{port}', '--redis', f'redis://127.0.0.1:{redis.port}',
           '--admin-token', ADMIN_TOKEN, '--presence-ttl', str(ttl), '--hub-id', hub_id, '--env', 'bench',
           # The generators' thousands of sockets come from a few loopback addresses.
           '--max-connections', '100000', '--max-connections-per-address', '0', '--onboard-fail-limit', '1000000',
           '--log-level', 'warn',
           '--chat-per-second', '100000', '--chat-burst', '100000', *tls_flags(tls), *extra]
    child = run.spawn(cmd, f'hub-{hub_id}')
    child.port = port
    _wait_up(child, f'{scheme(tls)}://127.0.0.1:{port}/healthz', context=tls and tls.client_context())
    return child


def hub_accepts(run, flag):
    """Whether this build's mi-hub has a command-line flag (its --help lists it)."""
    r = subprocess.run([run.settings.hub, '--help'], capture_output=True, text=True)
    return flag in r.stdout + r.stderr


def ws_peer(run, port_name, redis=None, ttl=120, pubsub=False, workers=1, tls=None):
    """bench/peers/ws_presence.mjs: Node's ws, last-seen in memory, with redis SET EX per
    heartbeat, with pubsub online/offline events through Redis; tls (tls.Certs): on
    https.createServer with them."""
    port = run.ports(port_name)
    cmd = ['node', os.path.join(run.settings.peers, 'ws_presence.mjs'), '--port', str(port), '--ttl', str(ttl),
           '--workers', str(workers), *tls_flags(tls)]
    if redis:
        cmd += ['--redis', f'redis://127.0.0.1:{redis.port}']
    if pubsub:
        cmd += ['--pubsub']
    child = run.spawn(cmd, f'ws-{port}')
    child.port = port
    _wait_up(child, f'{scheme(tls)}://127.0.0.1:{port}/stats', context=tls and tls.client_context())
    return child


def tls_flags(tls):
    """The server flags of a certificate (the hub and the peer spell them alike)."""
    return ['--tls-cert', tls.cert, '--tls-key', tls.key] if tls else []


def scheme(tls):
    return 'https' if tls else 'http'


def socketio_server(run, port_name, redis):
    """bench/peers/socketio_fanout.mjs server: one room through @socket.io/redis-adapter."""
    port = run.ports(port_name)
    child = run.spawn(['node', os.path.join(run.settings.peers, 'socketio_fanout.mjs'), 'server', '--port', str(port),
                       '--redis', f'redis://127.0.0.1:{redis.port}'], 'socketio-server')
    child.port = port
    # It serves WebSocket upgrades only: a plain GET gets 400, which says it is listening.
    _wait_up(child, f'http://127.0.0.1:{port}/socket.io/?EIO=4&transport=polling', any_status=True)
    return child


def socketio_room_server(run, port_name, redis):
    """bench/peers/socketio_room.mjs server: one room through @socket.io/redis-adapter, and
    GET /fetch timing a fetchSockets() of it."""
    port = run.ports(port_name)
    child = run.spawn(['node', os.path.join(run.settings.peers, 'socketio_room.mjs'), 'server', '--port', str(port),
                       '--redis', f'redis://127.0.0.1:{redis.port}'], port_name)
    child.port = port
    _wait_up(child, f'http://127.0.0.1:{port}/count')
    return child


def _wait_up(child, url, any_status=False, context=None):
    end = time.monotonic() + START_DEADLINE_S
    while True:
        if not child.running():
            raise RuntimeError(f'{child.name} exited ({child.popen.returncode}) while starting; see its log')
        try:
            measure.wait_http(url, timeout=min(2.0, max(0.1, end - time.monotonic())), any_status=any_status,
                              context=context)
            return
        except RuntimeError:
            if time.monotonic() > end:
                raise RuntimeError(f'{child.name}: no answer from {url} within {START_DEADLINE_S} s')
