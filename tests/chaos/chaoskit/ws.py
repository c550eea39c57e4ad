"""A small asyncio WebSocket client (RFC 6455, text frames, client side): enough to speak the
hub's protocol, and to drop a connection the way a network does (no close frame).

Written here rather than taken from a package so that the chaos check needs nothing beyond
Python's standard library, and so that a drop is exactly a socket closed under the hub.
"""
import asyncio
import base64
import json
import os
import struct


class Closed(Exception):
    """The connection ended: code is the close code the hub sent (None: no close frame)."""

    def __init__(self, code=None, reason=''):
        super().__init__(f'closed {code} {reason}'.strip())
        self.code = code
        self.reason = reason


class WebSocket:
    def __init__(self, reader, writer):
        self._reader = reader
        self._writer = writer
        self._closed = None  # the Closed that ended it, once it has ended
        self._close_sent = False

    @classmethod
    async def connect(cls, host, port, path='/v1/ws', timeout=5.0):
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        request = (f'GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n'
                   f'Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n')
        try:
            writer.write(request.encode())
            head = await asyncio.wait_for(reader.readuntil(b'\r\n\r\n'), timeout)
        except BaseException:
            writer.transport.abort()
            raise
        status = head.split(b'\r\n', 1)[0]
        if b' 101 ' not in status + b' ':
            writer.transport.abort()
            raise ConnectionError(f'upgrade refused: {status.decode(errors="replace")}')
        return cls(reader, writer)

    @property
    def closed(self):
        return self._closed is not None

    async def send(self, obj):
        self._frame(0x1, json.dumps(obj).encode())
        await self._writer.drain()

    def _frame(self, opcode, payload):
        if self._closed is not None:
            raise self._closed
        n = len(payload)
        if n < 126:
            head = struct.pack('!BB', 0x80 | opcode, 0x80 | n)
        elif n < 65536:
            head = struct.pack('!BBH', 0x80 | opcode, 0x80 | 126, n)
        else:
            head = struct.pack('!BBQ', 0x80 | opcode, 0x80 | 127, n)
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self._writer.write(head + mask + masked)

    async def recv(self):
        """The next text message as a dict; raises Closed when the connection ends."""
        parts, first_op = [], None
        while True:
            try:
                b0, b1 = await self._reader.readexactly(2)
                n = b1 & 0x7F
                if n == 126:
                    (n,) = struct.unpack('!H', await self._reader.readexactly(2))
                elif n == 127:
                    (n,) = struct.unpack('!Q', await self._reader.readexactly(8))
                payload = await self._reader.readexactly(n)
            except (asyncio.IncompleteReadError, ConnectionError, OSError) as e:
                self._end(Closed(None, type(e).__name__))
                raise self._closed from None
            op = b0 & 0x0F
            if op == 0x8:  # close: answer it, then end
                code = struct.unpack('!H', payload[:2])[0] if len(payload) >= 2 else None
                if not self._close_sent:
                    try:
                        self._frame(0x8, payload[:2])
                        self._close_sent = True
                    except Closed:
                        pass
                self._end(Closed(code, payload[2:].decode(errors='replace')))
                raise self._closed
            if op == 0x9:  # ping
                try:
                    self._frame(0xA, payload)
                except Closed:
                    raise
                continue
            if op == 0xA:
                continue
            if op in (0x1, 0x2):
                first_op, parts = op, [payload]
            elif op == 0x0:
                parts.append(payload)
            if b0 & 0x80 and first_op is not None:
                return json.loads(b''.join(parts))

    async def send_close(self, code=1000, timeout=2.0):
        """Starts a clean close: sends a close frame. The reader then gets the hub's close
        (Closed); end the socket with abort() after it, or after a deadline."""
        if self._closed is None and not self._close_sent:
            self._frame(0x8, struct.pack('!H', code))
            self._close_sent = True
            await asyncio.wait_for(self._writer.drain(), timeout)

    def abort(self):
        """Ends the socket at once, with no close frame: a dropped connection."""
        if self._closed is None:
            self._closed = Closed(None, 'aborted')
        self._writer.transport.abort()

    def _end(self, closed):
        if self._closed is None:
            self._closed = closed
        self._writer.transport.abort()
