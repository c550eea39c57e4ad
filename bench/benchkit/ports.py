"""The run's loopback ports: one allocator hands each process a port by name.

A name asked for again gets the same port (a hub restarted in the reconnect scenario comes back
where its agents reconnect to). New names get the next port from MI_BENCH_PORT_BASE up that
nothing else on the machine is bound to, so a run next to other services does not fail on a
port someone else holds.
"""
import errno
import socket


def port_is_free(port, host='127.0.0.1'):
    """Whether nothing is bound to host:port (SO_REUSEADDR: a port in TIME_WAIT is free)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as e:
            if e.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise
    return True


class PortAllocator:
    def __init__(self, base, is_free=port_is_free, limit=65535, on_new=None):
        self.base = base
        self._on_new = on_new
        self.limit = limit
        self._is_free = is_free
        self._next = base
        self._by_name = {}

    def __call__(self, name):
        """The port of `name`, handed out on first use."""
        if name not in self._by_name:
            self._by_name[name] = self._take()
            if self._on_new:
                self._on_new(name, self._by_name[name])
        return self._by_name[name]

    def many(self, name, count):
        """`count` ports named name-0, name-1, ..."""
        return [self(f'{name}-{i}') for i in range(count)]

    def _take(self):
        while self._next <= self.limit:
            port = self._next
            self._next += 1
            if self._is_free(port):
                return port
        raise RuntimeError(f'no free port between {self.base} and {self.limit}')

    @property
    def allocated(self):
        return dict(self._by_name)
