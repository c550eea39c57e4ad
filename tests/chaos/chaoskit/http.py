"""A minimal asyncio HTTP/1.1 client for the hub's JSON API (one connection per request)."""
import asyncio
import json

from .topology import ADMIN_TOKEN, HOST


class HttpError(Exception):
    pass


async def request(port, method, path, body=None, token=ADMIN_TOKEN, timeout=5.0):
    """(status, parsed JSON or None); raises HttpError when there is no complete answer."""
    data = b'' if body is None else json.dumps(body).encode()
    head = (f'{method} {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nConnection: close\r\n'
            f'Authorization: Bearer {token}\r\nContent-Type: application/json\r\n'
            f'Content-Length: {len(data)}\r\n\r\n').encode()
    writer = None
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(HOST, port), timeout)
        writer.write(head + data)
        raw = await asyncio.wait_for(reader.read(), timeout)
    except (OSError, asyncio.TimeoutError, ConnectionError) as e:
        raise HttpError(f'{method} {path} on {port}: {type(e).__name__} {e}') from None
    finally:
        if writer is not None:
            writer.transport.abort()
    head, _, rest = raw.partition(b'\r\n\r\n')
    lines = head.decode(errors='replace').split('\r\n')
    try:
        status = int(lines[0].split()[1])
    except (IndexError, ValueError):
        raise HttpError(f'{method} {path} on {port}: no status line') from None
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(':') for line in lines[1:])}
    if headers.get('transfer-encoding', '').lower() == 'chunked':
        rest = _unchunk(rest)
    try:
        return status, json.loads(rest) if rest.strip() else None
    except ValueError:
        return status, None


async def raw(port, path, timeout=5.0):
    """The body of a GET, as text (for /metrics)."""
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(HOST, port), timeout)
        writer.write(f'GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nConnection: close\r\n\r\n'.encode())
        data = await asyncio.wait_for(reader.read(), timeout)
        writer.transport.abort()
    except (OSError, asyncio.TimeoutError, ConnectionError) as e:
        raise HttpError(f'GET {path} on {port}: {type(e).__name__} {e}') from None
    head, _, body = data.partition(b'\r\n\r\n')
    if b'chunked' in head.lower():
        body = _unchunk(body)
    return body.decode(errors='replace')


def _unchunk(raw):
    out = b''
    while raw:
        size_line, _, raw = raw.partition(b'\r\n')
        size = int(size_line.split(b';')[0] or b'0', 16)
        if size == 0:
            break
        out += raw[:size]
        raw = raw[size + 2:]
    return out
