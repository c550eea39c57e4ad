"""What the scenarios read: CPU and RSS from /proc, the hub's /metrics, a peer's /stats, Redis
INFO, and the machine. The parsers are plain functions of text.

A server under load may be slow to answer its own counters: `wait_quiet` waits until the process
has worked off its backlog (its CPU goes quiet), and `read_patiently` reads with a long deadline,
retrying, and returns what it could not read as such (a Reading with its error), so that a
saturated server is recorded, not a failed run.
"""
import json
import os
import platform
import re
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

TICK = os.sysconf('SC_CLK_TCK')


# ---- /proc ---------------------------------------------------------------------------------

def cpu_s(pid):
    """User + system CPU seconds of one process."""
    with open(f'/proc/{pid}/stat') as f:
        fields = f.read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def tree_cpu_s(pid):
    """CPU of a process and of its live descendants (a Node cluster's workers)."""
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        try:
            total += cpu_s(p)
            for task in os.listdir(f'/proc/{p}/task'):
                with open(f'/proc/{p}/task/{task}/children') as f:
                    todo += [int(c) for c in f.read().split()]
        except FileNotFoundError:
            pass
    return total


def rss_kib(pid):
    with open(f'/proc/{pid}/status') as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1])
    return 0


def machine_ticks():
    """The machine's CPU time by kind, in ticks (/proc/stat): user nice system idle iowait irq
    softirq steal. Loopback's packet work runs in softirq, which no process's CPU time counts."""
    with open('/proc/stat') as f:
        return [int(x) for x in f.readline().split()[1:9]]


def machine_split(ticks0, ticks1, window, tick=TICK):
    """Cores busy in user space, in the kernel (system, irq and softirq), and idle, over a window."""
    d = [(b - a) / tick for a, b in zip(ticks0, ticks1)]
    user, nice, system, idle, iowait, irq, softirq, steal = d
    return {'user': (user + nice) / window, 'kernel': (system + irq + softirq) / window,
            'idle': (idle + iowait) / window, 'steal': steal / window}


class CpuMeter:
    """CPU of named groups of processes over one window: start(), then busy_cores()."""

    def __init__(self, groups):
        self.groups = {name: list(pids) for name, pids in groups.items()}

    def start(self):
        self._t0 = time.monotonic()
        self._c0 = {name: [cpu_s(p) for p in pids] for name, pids in self.groups.items()}
        return self

    def stop(self):
        """CPU seconds per group since start(), and the window's length."""
        self.window = time.monotonic() - self._t0
        self.seconds = {name: sum(cpu_s(p) - c for p, c in zip(pids, self._c0[name]))
                        for name, pids in self.groups.items()}
        return self.seconds

    def busy_cores(self):
        return {name: s / self.window for name, s in self.seconds.items()}


def parse_malloc_stats(text):
    """The last "in use bytes" total of glibc's malloc_stats() in text (a process's log), or None."""
    totals = re.findall(r'^Total \(incl\. mmap\):\s*\nsystem bytes\s*=\s*\d+\s*\nin use bytes\s*=\s*(\d+)',
                        text, re.M)
    return int(totals[-1]) if totals else None


def heap_in_use(pid, log_path, timeout=120):
    """Bytes a process holds from glibc's malloc, as malloc_stats() counts them: gdb stops it for
    a moment to call the function, which prints to the process's stderr (its log). Raises
    RuntimeError when gdb is missing or the count does not appear."""
    if not shutil.which('gdb'):
        raise RuntimeError('gdb missing')
    with open(log_path) as f:
        f.seek(0, os.SEEK_END)
        start = f.tell()
    r = subprocess.run(['gdb', '-p', str(pid), '-batch', '-nx', '-ex', 'call (void) malloc_stats()'],
                       capture_output=True, text=True, timeout=timeout)
    with open(log_path) as f:
        f.seek(start)
        value = parse_malloc_stats(f.read())
    if value is None:
        raise RuntimeError(f'no malloc_stats in the log (gdb: {r.stderr.strip()[-200:]})')
    return value


# ---- HTTP ----------------------------------------------------------------------------------

def wait_http(url, timeout=60, any_status=False, context=None):
    """Polls url until it answers. any_status: an HTTP error status is an answer too (a server
    that serves only WebSocket upgrades answers a plain GET with 400). context: the ssl context of
    an https url."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with urllib.request.urlopen(url, timeout=2, context=context) as r:
                return r.read()
        except urllib.error.HTTPError:
            if any_status:
                return b''
        except Exception:
            pass
        time.sleep(0.1)
    raise RuntimeError(f'no answer from {url} within {timeout} s')


def http_json(url, timeout=60):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return json.loads(r.read())


def parse_metrics(text):
    """Prometheus text format to {series: value}, labels kept in the series name."""
    out = {}
    for line in text.splitlines():
        if line and not line.startswith('#'):
            k, v = line.rsplit(' ', 1)
            out[k] = float(v)
    return out


def hub_metrics(port, timeout=60):
    with urllib.request.urlopen(f'http://127.0.0.1:{port}/metrics', timeout=timeout) as r:
        return parse_metrics(r.read().decode())


def hub_counter(port, name, timeout=60):
    return hub_metrics(port, timeout)[name]


def peer_counter(port, name, timeout=60):
    return http_json(f'http://127.0.0.1:{port}/stats', timeout)[name]


@dataclass
class Reading:
    """A counter read from a server that may be saturated."""
    value: object = None
    error: str = ''
    seconds: float = 0.0   # from the first attempt to the answer (or to giving up)
    attempts: int = 0

    @property
    def ok(self):
        return not self.error


def read_patiently(read, deadline_s, attempt_s=30, pause_s=1.0):
    """Calls read(timeout) until it answers or deadline_s has passed."""
    t0 = time.monotonic()
    end = t0 + deadline_s
    reading = Reading()
    while True:
        reading.attempts += 1
        try:
            reading.value = read(max(1.0, min(attempt_s, end - time.monotonic())))
            reading.error = ''
            break
        except Exception as e:
            reading.error = repr(e)
        if time.monotonic() + pause_s >= end:
            break
        time.sleep(pause_s)
    reading.seconds = time.monotonic() - t0
    return reading


def wait_quiet(pid, deadline_s, step_s=0.5, quiet_cpu_s=0.03, cpu=tree_cpu_s):
    """Waits until a process (and its children) spends under quiet_cpu_s of CPU in a step_s
    step: it has worked off what it was sent. Returns (seconds waited, whether it got quiet)."""
    t0 = time.monotonic()
    prev = cpu(pid)
    while time.monotonic() - t0 < deadline_s:
        time.sleep(step_s)
        now = cpu(pid)
        if now - prev < quiet_cpu_s:
            return time.monotonic() - t0, True
        prev = now
    return time.monotonic() - t0, False


# ---- Redis ---------------------------------------------------------------------------------

def parse_commandstats(text):
    """INFO commandstats to {command: calls}."""
    return {m.group(1): int(m.group(2)) for m in re.finditer(r'^cmdstat_(\S+?):calls=(\d+)', text, re.M)}


# Commands the bench itself sends to read the counts.
OWN_COMMANDS = ('info', 'ping')


def commands_total(stats):
    """Total calls over every command, minus the ones made to read them."""
    return sum(v for k, v in stats.items() if k not in OWN_COMMANDS)


def parse_redis_benchmark(text):
    """redis-benchmark -q output of standard tests to {test: requests per second}."""
    return {m.group(1): float(m.group(2)) for m in
            re.finditer(r'^(\S+?): ([\d.]+) requests per second', text.replace('\r', '\n'), re.M)}


def last_requests_per_second(text):
    """The final requests per second of a redis-benchmark -q run of one command, or None."""
    m = re.findall(r'([\d.]+) requests per second', text.replace('\r', '\n'))
    return float(m[-1]) if m else None


# ---- the machine ---------------------------------------------------------------------------

def machine():
    model, mem = '', '?'
    try:
        with open('/proc/cpuinfo') as f:
            model = next((l.split(':', 1)[1].strip() for l in f if l.startswith('model name')), '')
        with open('/proc/meminfo') as f:
            mem = next(l for l in f if l.startswith('MemTotal')).split()[1]
    except Exception:
        pass

    def ver(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True).stdout.strip().splitlines()[0]
        except Exception:
            return '?'
    return {'cpu': model, 'cores': os.cpu_count(),
            'mem_gib': round(int(mem) / 1048576, 1) if mem.isdigit() else '?',
            'kernel': platform.release(), 'os': ver(['sh', '-c', '. /etc/os-release; echo $PRETTY_NAME']),
            'redis': ver(['redis-server', '--version']), 'node': ver(['node', '--version'])}


# ---- Redis replies (RESP) ------------------------------------------------------------------

def resp_command(*args):
    """One command in RESP: an array of bulk strings."""
    out = [f'*{len(args)}\r\n'.encode()]
    for a in args:
        b = a if isinstance(a, bytes) else str(a).encode()
        out.append(b'$%d\r\n%s\r\n' % (len(b), b))
    return b''.join(out)


def parse_resp(data, at=0):
    """One RESP2 reply from data at offset `at`: (value, next offset). Bulk strings decode as
    text; an error reply is a RedisError value (not raised, so that a batch reads on). Raises
    IndexError when data holds less than the whole reply."""
    import io
    f = io.BytesIO(data)
    f.seek(at)
    value = read_resp(f)
    return value, f.tell()


def read_resp(f):
    """One RESP2 reply read from a binary file (a socket's makefile, or BytesIO): linear in the
    reply's size, which for SLOWLOG GET of every entry is tens of megabytes."""
    line = f.readline()
    if not line.endswith(b'\r\n'):
        raise IndexError('incomplete reply')
    kind, text = line[:1], line[1:-2].decode()
    if kind == b'+':
        return text
    if kind == b'-':
        return RedisError(text)
    if kind == b':':
        return int(text)
    if kind == b'$':
        n = int(text)
        if n < 0:
            return None
        body = f.read(n + 2)
        if len(body) < n + 2:
            raise IndexError('incomplete bulk string')
        return body[:n].decode(errors='replace')
    if kind == b'*':
        n = int(text)
        return None if n < 0 else [read_resp(f) for _ in range(n)]
    raise ValueError(f'not a RESP reply: {line[:40]!r}')


class RedisError(str):
    """An error reply."""


def redis_call(port, *args, host='127.0.0.1', timeout=60):
    """One command to Redis over a socket of its own; the parsed reply."""
    import socket
    with socket.create_connection((host, port), timeout=timeout) as s:
        s.sendall(resp_command(*args))
        with s.makefile('rb', buffering=1 << 20) as f:
            try:
                return read_resp(f)
            except IndexError:
                raise RuntimeError(f'redis on {port} closed the connection mid-reply') from None


def slowlog_entries(reply):
    """SLOWLOG GET's reply to [{id, ts, us, command, args, client}], longest first. The command
    of a script call (EVALSHA, FCALL) names the script or function as its second word."""
    out = []
    for e in reply or []:
        words = [str(w) for w in e[3]] if len(e) > 3 and isinstance(e[3], list) else []
        out.append({'id': e[0], 'ts': e[1], 'us': e[2], 'command': (words[0].lower() if words else '?'),
                    'args': [w[:60] for w in words[:4]], 'client': e[4] if len(e) > 4 else ''})
    return sorted(out, key=lambda x: -x['us'])


def slowlog_max(entries):
    """The longest call in SLOWLOG entries (slowlog_entries), or None when none was logged."""
    return entries[0] if entries else None


def call_key(entry):
    """A SLOWLOG entry's command; a script call's with the script's SHA (which script it was)."""
    if entry['command'] in ('evalsha', 'fcall', 'fcall_ro') and len(entry['args']) >= 2:
        return f"{entry['command']} {entry['args'][1]}"
    return entry['command']


def longest_except(summary, keys):
    """The longest call of a calls_summary among its top entries whose call_key is not in keys
    (calls the measurement itself made): (µs, words), or (None, None)."""
    for e in summary.get('slowlog_top') or []:
        if call_key(e) not in keys:
            return e['us'], e['args']
    return None, None


def calls_summary(entries, latest, history, slower_than_us, top=100, max_len=None):
    """What a phase's SLOWLOG entries (slowlog_entries) and LATENCY replies show: the longest
    call, the longest per command, and the raw readings."""
    longest = slowlog_max(entries)
    per_command = {}
    for e in entries:
        c = per_command.setdefault(call_key(e), {'calls_logged': 0, 'max_us': 0})
        c['calls_logged'] += 1
        c['max_us'] = max(c['max_us'], e['us'])
    return {'slower_than_us': slower_than_us, 'logged': len(entries), 'max_len': max_len,
            # A full log lost its oldest entries: the longest call may be among them.
            'full': bool(max_len) and len(entries) >= max_len,
            'max_us': longest['us'] if longest else None, 'max_command': longest['args'] if longest else None,
            'max_by_command': dict(sorted(per_command.items(), key=lambda kv: -kv[1]['max_us'])),
            'slowlog_top': entries[:top], 'latency_latest': latest, 'latency_history': history}


def latency_latest(reply):
    """LATENCY LATEST to {event: {ts, latest_ms, max_ms}}."""
    return {e[0]: {'ts': e[1], 'latest_ms': e[2], 'max_ms': e[3]} for e in reply or [] if len(e) >= 4}


def parse_info(text):
    """INFO text (any sections) to {field: value}, numbers as numbers."""
    out = {}
    for line in text.splitlines():
        if ':' not in line or line.startswith('#'):
            continue
        k, v = line.split(':', 1)
        v = v.strip()
        try:
            out[k] = int(v)
        except ValueError:
            try:
                out[k] = float(v)
            except ValueError:
                out[k] = v
    return out


# ---- the kernel's memory -------------------------------------------------------------------

def parse_sockstat(text):
    """/proc/net/sockstat to {'sockets_used', 'tcp_inuse', 'tcp_orphan', 'tcp_tw', 'tcp_alloc',
    'tcp_mem_pages'}."""
    out = {}
    for line in text.splitlines():
        head, _, rest = line.partition(':')
        words = rest.split()
        pairs = dict(zip(words[::2], (int(x) for x in words[1::2])))
        if head == 'sockets':
            out['sockets_used'] = pairs.get('used', 0)
        elif head == 'TCP':
            out.update({'tcp_inuse': pairs.get('inuse', 0), 'tcp_orphan': pairs.get('orphan', 0),
                        'tcp_tw': pairs.get('tw', 0), 'tcp_alloc': pairs.get('alloc', 0),
                        'tcp_mem_pages': pairs.get('mem', 0)})
    return out


def parse_meminfo(text, keys=('MemTotal', 'MemAvailable', 'Slab', 'SReclaimable', 'SUnreclaim')):
    """/proc/meminfo's fields in KiB."""
    out = {}
    for line in text.splitlines():
        k, _, v = line.partition(':')
        if k in keys:
            out[k + '_kib'] = int(v.split()[0])
    return out


def kernel_memory():
    """Sockets and the kernel's memory now: /proc/net/sockstat and /proc/meminfo."""
    with open('/proc/net/sockstat') as f:
        out = parse_sockstat(f.read())
    with open('/proc/meminfo') as f:
        out.update(parse_meminfo(f.read()))
    with open('/proc/sys/fs/file-nr') as f:
        out['files_open'] = int(f.read().split()[0])
    # The limits the counts above run into: file-max, and the TCP memory (pages) past which the
    # kernel refuses socket buffers (tcp_mem's third value).
    with open('/proc/sys/fs/file-max') as f:
        out['file_max'] = int(f.read())
    with open('/proc/sys/net/ipv4/tcp_mem') as f:
        out['tcp_mem_limit_pages'] = [int(x) for x in f.read().split()]
    return out


class RssSampler:
    """Samples a process's RSS on a thread every `every_s` until stop(): the peak seen and the
    samples (kernel counters have no resettable high-water mark for one phase)."""

    def __init__(self, pid, every_s=0.01):
        import threading
        self.pid, self.every_s = pid, every_s
        self.samples = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        t0 = time.monotonic()
        while not self._stop.is_set():
            try:
                self.samples.append((round(time.monotonic() - t0, 3), rss_kib(self.pid)))
            except (FileNotFoundError, ProcessLookupError):
                return
            self._stop.wait(self.every_s)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        self._thread.join()
        return max((kib for _, kib in self.samples), default=None)
