"""The system under test: Redis (a primary, and with Sentinel a replica and three sentinels) and
three mi-hub processes, all children of a bench/benchkit RunContext (which stops them however
the run ends). Each process keeps its port across restarts."""
import os
import signal
import socket
import subprocess
import time

ADMIN_TOKEN = 'chaos-admin-token'
ENV = 'chaos'
MASTER = 'mi'
HOST = '127.0.0.1'
START_DEADLINE_S = 30


def redis_cli(port, *args, timeout=3):
    try:
        r = subprocess.run(['redis-cli', '-h', HOST, '-p', str(port), *args], capture_output=True, text=True,
                           timeout=timeout)
        return r.stdout.strip()
    except subprocess.TimeoutExpired:
        return ''


class RedisNode:
    """One redis-server with an append-only file fsynced on every write (what docs/operations.md
    asks of an external Redis so that a welcome is never undone), restarted from its own files."""

    def __init__(self, run, name, replica_of=None):
        self.run = run
        self.name = name
        self.port = run.ports(name)
        self.dir = run.path(name)
        os.makedirs(self.dir, exist_ok=True)
        self.proc = None
        self.stopped = False  # SIGSTOPped
        self.start(replica_of)

    def start(self, replica_of=None):
        cmd = ['redis-server', '--bind', HOST, '--port', str(self.port), '--dir', self.dir, '--save', '',
               '--appendonly', 'yes', '--appendfsync', 'always', '--maxclients', '10000']
        if replica_of:
            cmd += ['--replicaof', HOST, str(replica_of)]
        self.proc = self.run.spawn(cmd, self.name)
        self.stopped = False
        _wait(lambda: redis_cli(self.port, 'ping') == 'PONG', self.proc, f'{self.name} did not answer PING')

    @property
    def up(self):
        return self.proc is not None and self.proc.running()

    def signal(self, sig):
        if self.up:
            os.kill(self.proc.pid, sig)
            if sig == signal.SIGSTOP:
                self.stopped = True
            elif sig == signal.SIGCONT:
                self.stopped = False

    def kill(self):
        if self.up:
            self.proc.kill()
        self.stopped = False

    def role(self):
        return (redis_cli(self.port, 'role').splitlines() or [''])[0]


class Sentinel:
    def __init__(self, run, name, master_port, down_after_ms, failover_timeout_ms):
        self.port = run.ports(name)
        d = run.path(name)
        os.makedirs(d, exist_ok=True)
        conf = os.path.join(d, 'sentinel.conf')
        with open(conf, 'w') as f:
            f.write(f'bind {HOST}\nport {self.port}\ndir {d}\n'
                    f'sentinel monitor {MASTER} {HOST} {master_port} 2\n'
                    f'sentinel down-after-milliseconds {MASTER} {down_after_ms}\n'
                    f'sentinel failover-timeout {MASTER} {failover_timeout_ms}\n'
                    f'sentinel parallel-syncs {MASTER} 1\n')
        self.proc = run.spawn(['redis-server', conf, '--sentinel'], name)
        _wait(lambda: redis_cli(self.port, 'ping') == 'PONG', self.proc, f'{name} did not answer PING')

    def master_port(self):
        out = redis_cli(self.port, 'sentinel', 'get-master-addr-by-name', MASTER).splitlines()
        return int(out[1]) if len(out) == 2 else None


class Hub:
    def __init__(self, run, hub_id, redis_url, flags):
        self.run = run
        self.hub_id = hub_id
        self.port = run.ports(f'hub-{hub_id}')
        self.redis_url = redis_url
        self.flags = flags
        self.proc = None
        self.starts = 0
        self.start()

    def start(self):
        cmd = [self.run.settings.hub, '--listen', f'{HOST}:{self.port}', '--redis', self.redis_url,
               '--hub-id', self.hub_id, '--admin-token', ADMIN_TOKEN, '--env', ENV, *self.flags]
        self.proc = self.run.spawn(cmd, f'hub-{self.hub_id}')
        self.starts += 1
        _wait(lambda: _port_open(self.port), self.proc, f'hub {self.hub_id} did not listen')

    @property
    def up(self):
        return self.proc is not None and self.proc.running()

    def kill(self):
        if self.up:
            self.proc.kill()

    def terminate(self, timeout=15):
        """SIGTERM: the hub drains and exits 0; returns its exit status."""
        if self.up:
            self.proc.stop(signal.SIGTERM, timeout=timeout)
        return self.proc.popen.returncode


class Topology:
    """mode 'plain': one Redis primary, hubs on redis://. mode 'sentinel': a primary, a replica
    and three sentinels, hubs on sentinel://."""

    def __init__(self, run, mode, hub_flags, hubs=3, down_after_ms=2000, failover_timeout_ms=6000):
        self.run = run
        self.mode = mode
        self.redis = [RedisNode(run, 'redis-0')]
        self.sentinels = []
        if mode == 'sentinel':
            self.redis.append(RedisNode(run, 'redis-1', replica_of=self.redis[0].port))
            _wait(lambda: 'connected' in redis_cli(self.redis[1].port, 'role'), self.redis[1].proc,
                  'the replica did not sync')
            self.sentinels = [Sentinel(run, f'sentinel-{i}', self.redis[0].port, down_after_ms, failover_timeout_ms)
                              for i in range(3)]
            url = 'sentinel://' + ','.join(f'{HOST}:{s.port}' for s in self.sentinels) + f'/{MASTER}'
        else:
            url = f'redis://{HOST}:{self.redis[0].port}'
        self.redis_url = url
        if os.environ.get('MI_CHAOS_MONITOR'):
            # Every command each Redis node runs, with its time and client, for reading a failure.
            for node in self.redis:
                run.spawn(['sh', '-c', f'while :; do redis-cli -h {HOST} -p {node.port} monitor; sleep 0.2; done'],
                          f'monitor-{node.name}')
        self.hubs = [Hub(run, f'hub-{c}', url, hub_flags) for c in 'abc'[:hubs]]

    def primary(self):
        """The node that is primary now: the sentinels' answer, else the only one."""
        if self.mode != 'sentinel':
            return self.redis[0]
        for s in self.sentinels:
            port = s.master_port()
            if port:
                return next((n for n in self.redis if n.port == port), self.redis[0])
        return self.redis[0]

    def healthy(self):
        """Plain: the primary answers. Sentinel: the sentinels name a primary that says so, and
        every other node is its replica with the link up (a failover now would not have to
        promote a replica still copying the data set)."""
        primary = self.primary()
        if primary.stopped or primary.role() != 'master':
            return False
        for node in self.redis:
            if node is not primary:
                info = redis_cli(node.port, 'info', 'replication')
                if f'master_port:{primary.port}' not in info or 'master_link_status:up' not in info \
                        or 'master_sync_in_progress:1' in info:
                    return False
        return True

    def sentinel_failover(self):
        return redis_cli(self.sentinels[0].port, 'sentinel', 'failover', MASTER)

    def restart_redis(self, node):
        """A killed node comes back from its own files; with Sentinel, as a replica of the
        current primary (as an operator brings back a failed primary)."""
        if node.up:
            return
        if self.mode == 'sentinel':
            primary = self.primary()
            node.start(replica_of=primary.port if primary is not node else None)
        else:
            node.start()


def _port_open(port):
    try:
        with socket.create_connection((HOST, port), timeout=0.5):
            return True
    except OSError:
        return False


def _wait(ready, proc, what):
    end = time.monotonic() + START_DEADLINE_S
    while not ready():
        if not proc.running():
            raise RuntimeError(f'{what}: it exited ({proc.popen.returncode}); see {proc.name}.log')
        if time.monotonic() > end:
            raise RuntimeError(f'{what} within {START_DEADLINE_S} s')
        time.sleep(0.05)
