#!/usr/bin/env python3
"""Writes the seed corpus of the fuzz targets into tests/fuzz/corpus/<target>/.

Each seed is a small real input: WebSocket frames as a client sends them (masked), the client
messages of the protocol, HTTP requests as browsers and the mi command line send them, and the
PROXY protocol headers load balancers put before them. Run it again after changing it; it
replaces the corpus directories it writes. Standard library only.
"""

import json
import pathlib
import shutil

CORPUS = pathlib.Path(__file__).resolve().parent / "corpus"

KEY = bytes([0x12, 0x9A, 0x3C, 0xF1])
ZERO_KEY = bytes(4)  # payload left as it is: the dictionary's JSON tokens then apply to it

# fuzz_frame_reader's first byte picks the message size limit (kLimits in fuzz_frame_reader.cpp).
LIMIT_1024 = 5
LIMIT_65536 = 7

# ---- client messages (docs/protocol.md, section 3) ---------------------------------------------

MESSAGES = {
    "heartbeat": {"type": "heartbeat"},
    "hello": {"type": "hello", "token": "tok_3f9a1c"},
    "onboard": {"type": "onboard", "code": "jcvcfb", "name": "jared"},
    "onboard-no-name": {"type": "onboard", "code": "JCVCFB", "id": "req-1"},
    "watch": {"type": "watch", "colony": "c1", "token": "watch-token"},
    "watch-since": {"type": "watch", "colony": "c1", "token": "t", "since": 42, "epoch": "e1"},
    "ping": {"type": "ping", "id": 7},
    "status": {"type": "status", "meta": {"task": "build", "progress": 0.5, "tags": ["a", "b"], "ok": True,
                                          "note": None}},
    "clone": {"type": "clone", "id": "c-2"},
    "chat": {"type": "chat", "text": "hello, office \u00e9\u2603\U0001F600"},
}


def compact(message):
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode()


# Written by hand: escapes, whitespace and orders that json.dumps would not produce.
RAW_MESSAGES = {
    "chat-escapes": rb'{"type":"chat","text":"tab\there \"quoted\" \\ \u00e9 \ud83d\ude00 \/"}',
    "status-nested": rb'{ "meta" : {"a":{"b":[1,-2.5e3,{"c":""}]},"k\u0065y":"v"} , "type" : "status" }',
    "type-last": rb'{"id":"x","token":"t","type":"hello"}',
    "duplicate-key": rb'{"type":"ping","type":"heartbeat"}',
    "id-number": rb'{"type":"ping","id":-1.5e2}',
    "bad-json": rb'{"type":"ping",}',
    "not-an-object": rb'["heartbeat"]',
}

# The HTTP API's bodies (docs/protocol.md, section 2, the sign-in included).
BODIES = {
    "body-invite": {"type": "agent", "name": "for jared"},
    "body-invite-human": {"type": "human", "name": None},
    "body-onboard-invite": {"session": "4f1c2a9e-7b3d-4e8a-9c1f-2d3e4f5a6b7c"},
    "body-sign-in": {"token": "admin-token-0123456789"},
}

# ---- WebSocket frames (RFC 6455 section 5) -----------------------------------------------------


def frame(opcode, payload=b"", fin=True, key=KEY, rsv=0, masked=True, length=None, wide=False):
    """One client frame; `length` announces another length than the payload's, `wide` writes
    the length in 64 bits whatever it is."""
    n = len(payload) if length is None else length
    head = bytes([(0x80 if fin else 0) | rsv | opcode])
    mask_bit = 0x80 if masked else 0
    if n < 126 and not wide:
        head += bytes([mask_bit | n])
    elif n <= 0xFFFF and not wide:
        head += bytes([mask_bit | 126]) + n.to_bytes(2, "big")
    else:
        head += bytes([mask_bit | 127]) + n.to_bytes(8, "big")
    if not masked:
        return head + payload
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


def text(payload, **kwargs):
    return frame(0x1, payload, **kwargs)


def close(code=None, reason=b""):
    return frame(0x8, b"" if code is None else code.to_bytes(2, "big") + reason)


def one_read(data):
    """The stream as one read (fuzz::for_each_read)."""
    return b"\x00" + data


def reads(data, sizes):
    """The stream cut into reads of the given sizes, the rest in one last read."""
    out = b""
    at = 0
    for size in sizes:
        piece = data[at:at + size]
        if not piece:
            break
        out += bytes([len(piece)]) + piece
        at += len(piece)
    if at < len(data):
        out += b"\x00" + data[at:]
    return out


def frame_seeds():
    seeds = {}
    for name, message in MESSAGES.items():
        seeds["text-" + name] = bytes([LIMIT_65536]) + one_read(text(compact(message)))
    seeds["text-heartbeat-zero-key"] = bytes([LIMIT_65536]) + one_read(
        text(compact(MESSAGES["heartbeat"]), key=ZERO_KEY))
    seeds["binary"] = bytes([LIMIT_65536]) + one_read(frame(0x2, bytes(range(32))))
    seeds["ping-pong"] = bytes([LIMIT_65536]) + one_read(frame(0x9, b"are you there") + frame(0xA, b"yes"))
    seeds["close-normal"] = bytes([LIMIT_65536]) + one_read(close(1000, b"bye"))
    seeds["close-empty"] = bytes([LIMIT_65536]) + one_read(close())
    seeds["close-4009"] = bytes([LIMIT_65536]) + one_read(close(4009, "trop lent \u00e9".encode()))
    seeds["close-one-byte"] = bytes([LIMIT_65536]) + one_read(frame(0x8, b"\x03"))
    fragmented = (text(b'{"type":', fin=False) + frame(0x9, b"p") + frame(0x0, b'"chat","text":"hi', fin=False) +
                  frame(0x0, b' there"}'))
    seeds["fragmented-text"] = bytes([LIMIT_65536]) + one_read(fragmented)
    seeds["fragmented-text-byte-reads"] = bytes([LIMIT_65536]) + reads(fragmented, [1] * 24)
    seeds["fragmented-binary"] = bytes([LIMIT_65536]) + one_read(
        frame(0x2, b"\x00\x01", fin=False) + frame(0x0, b"\x02", fin=False) + frame(0x0, b"\x03"))
    chat_200 = compact({"type": "chat", "text": "x" * 180})
    seeds["length-16-bit"] = bytes([LIMIT_65536]) + reads(text(chat_200), [3, 5, 7])
    seeds["length-64-bit"] = bytes([LIMIT_65536]) + one_read(text(compact(MESSAGES["ping"]), wide=True))
    session = b"".join(text(compact(MESSAGES[name])) for name in ("hello", "heartbeat", "status", "chat")) + close(1000)
    seeds["session"] = bytes([LIMIT_65536]) + reads(session, [2, 9, 30, 1, 64])
    seeds["too-big"] = bytes([LIMIT_1024]) + one_read(text(compact({"type": "chat", "text": "y" * 1100})))
    seeds["too-big-fragments"] = bytes([LIMIT_1024]) + one_read(
        text(b"a" * 600, fin=False) + frame(0x0, b"b" * 600))
    seeds["announced-giant"] = bytes([LIMIT_65536]) + one_read(frame(0x2, b"", length=1 << 40)[:14])
    seeds["unmasked"] = bytes([LIMIT_65536]) + one_read(text(b'{"type":"heartbeat"}', masked=False))
    seeds["reserved-bit"] = bytes([LIMIT_65536]) + one_read(text(b"{}", rsv=0x40))
    seeds["invalid-utf8"] = bytes([LIMIT_65536]) + one_read(text(b'{"type":"chat","text":"\xc3\x28"}'))
    return seeds


# ---- HTTP requests -----------------------------------------------------------------------------

def request(method, target, headers=(), body=b"", version=b"HTTP/1.1"):
    lines = [method + b" " + target + b" " + version]
    lines += [name + b": " + value for name, value in headers]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


HOST = (b"Host", b"127.0.0.1:8080")
UPGRADE = [HOST, (b"Upgrade", b"websocket"), (b"Connection", b"Upgrade"),
           (b"Sec-WebSocket-Key", b"dGhlIHNhbXBsZSBub25jZQ=="), (b"Sec-WebSocket-Version", b"13"),
           (b"Origin", b"http://127.0.0.1:8080")]


def json_post(target, body, auth=b"Bearer admin-token-0123456789"):
    body = json.dumps(body).encode()
    headers = [HOST, (b"Authorization", auth), (b"Content-Type", b"application/json"),
               (b"Content-Length", str(len(body)).encode())]
    return request(b"POST", target, headers, body)


def http_seeds():
    seeds = {}
    healthz = request(b"GET", b"/healthz", [HOST, (b"User-Agent", b"curl/7.88.1"), (b"Accept", b"*/*")])
    seeds["get-healthz"] = one_read(healthz)
    seeds["get-healthz-byte-reads"] = reads(healthz, [1] * len(healthz))
    seeds["upgrade"] = one_read(request(b"GET", b"/v1/ws", UPGRADE))
    # A client may send its first frame right behind the upgrade request.
    seeds["upgrade-then-frame"] = reads(
        request(b"GET", b"/v1/ws?agent=1", UPGRADE) + text(compact(MESSAGES["hello"])), [40, 40])
    seeds["post-invite"] = one_read(json_post(b"/v1/colonies/c1/invites", BODIES["body-invite"]))
    seeds["post-onboard-invite"] = one_read(
        json_post(b"/v1/colonies/c1/onboard-invite", BODIES["body-onboard-invite"]))
    seeds["post-heartbeat"] = one_read(
        json_post(b"/v1/agents/heartbeat", {"meta": {"task": "idle"}}, auth=b"Bearer agent-token"))
    body = json.dumps(BODIES["body-sign-in"]).encode()
    chunked = request(b"POST", b"/v1/session", [HOST, (b"Content-Type", b"application/json"),
                                               (b"Transfer-Encoding", b"chunked")],
                      b"%x\r\n%s\r\n%x;ext=1\r\n%s\r\n0\r\n\r\n" % (10, body[:10], len(body) - 10, body[10:]))
    seeds["post-session-chunked"] = reads(chunked, [17, 33])
    keep_alive = (request(b"GET", b"/readyz", [HOST]) +
                  request(b"GET", b"/metrics", [HOST, (b"Connection", b"keep-alive")]) +
                  request(b"GET", b"/r/JCVCFB", [HOST, (b"Connection", b"close")]))
    seeds["keep-alive-three"] = one_read(keep_alive)
    seeds["http-1.0"] = one_read(request(b"GET", b"/v1/colonies/c1/agents?limit=10&cursor=abc",
                                         [HOST, (b"Connection", b"keep-alive"),
                                          (b"Authorization", b"Bearer admin-token")], version=b"HTTP/1.0"))
    seeds["cookies-and-forwarded-for"] = one_read(request(b"GET", b"/admin", [
        HOST, (b"Cookie", b"mi_session=abc; theme=dark"), (b"Accept-Language", b"fr-FR,fr;q=0.9"),
        (b"X-Forwarded-For", b"203.0.113.7, 10.0.0.2")]))
    seeds["expect-continue"] = one_read(request(b"POST", b"/v1/colonies/c1/watch-token", [
        HOST, (b"Expect", b"100-continue"), (b"Content-Length", b"0"), (b"Authorization", b"Bearer t")]))
    return seeds


def json_seeds():
    seeds = {}
    for name, message in MESSAGES.items():
        seeds[name] = compact(message)
    seeds.update(RAW_MESSAGES)
    for name, body in BODIES.items():
        seeds[name] = compact(body)
    seeds["body-empty"] = b""
    return seeds


# fuzz_close_handshake: one byte per event, its low 3 bits the event (fuzz_close_handshake.cpp).
CLOSE, PEER_CLOSED, CLOSE_SENT, PROTOCOL_ERROR, READ_ENDED, ABORT, TICK, CLOCK = range(8)


def event(kind, argument=0):
    return bytes([(argument << 3) | kind])


def close_handshake_seeds():
    return {
        "we-close-peer-answers": event(CLOSE) + event(CLOSE_SENT) + event(PEER_CLOSED),
        "peer-closes-we-echo": event(PEER_CLOSED) + event(CLOSE_SENT),
        "peer-answers-before-our-frame-left": event(CLOSE, 2) + event(PEER_CLOSED) + event(CLOSE_SENT),
        "protocol-error-then-drop": event(PROTOCOL_ERROR, 2) + event(CLOSE_SENT) + event(READ_ENDED),
        "stream-ends-while-closing": event(CLOSE) + event(READ_ENDED) + event(CLOSE_SENT),
        "handshake-times-out": event(CLOSE, 1) + event(CLOSE_SENT) + event(TICK, 31),
        "abort-while-open": event(ABORT, 1),
        "drain-then-timeout-reason": event(CLOSE, 2) + event(ABORT, 1),
    }


# fuzz_proxy_header: the PROXY protocol header a TCP load balancer sends first
# (https://www.haproxy.org/download/2.6/doc/proxy-protocol.txt), then the client's first bytes.
V2_SIGNATURE = b"\r\n\r\n\x00\r\nQUIT\n"
V2_LOCAL, V2_PROXY = 0x20, 0x21
TCP4, UDP4, TCP6, UDP6, UNIX_STREAM, UNSPEC = 0x11, 0x12, 0x21, 0x22, 0x31, 0x00
CLIENT_HELLO_START = bytes([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xFC, 0x03, 0x03])


def v2_header(command, family, block=b"", tlvs=b""):
    body = block + tlvs
    return V2_SIGNATURE + bytes([command, family]) + len(body).to_bytes(2, "big") + body


def tlv(kind, value):
    return bytes([kind]) + len(value).to_bytes(2, "big") + value


def ipv4_block(source, destination, source_port, destination_port):
    return (bytes(source) + bytes(destination) + source_port.to_bytes(2, "big") +
            destination_port.to_bytes(2, "big"))


def proxy_header_seeds():
    get = request(b"GET", b"/healthz", [HOST])
    ipv6_block = (bytes.fromhex("20010db8000000000000000000000001") + bytes.fromhex("fd000000000000000000000000000002") +
                  (51000).to_bytes(2, "big") + (443).to_bytes(2, "big"))
    mapped_block = (bytes.fromhex("00000000000000000000ffffc0000201") + bytes.fromhex("00000000000000000000ffff0a000001") +
                    (1).to_bytes(2, "big") + (2).to_bytes(2, "big"))
    tlvs = tlv(0x01, b"h2") + tlv(0x02, b"hub.example.com") + tlv(0x04, bytes(3)) + tlv(0xEA, b"vpce-0123456789")
    return {
        "v1-tcp4": b"PROXY TCP4 192.0.2.1 198.51.100.7 56324 443\r\n" + get,
        "v1-tcp4-then-tls": b"PROXY TCP4 203.0.113.9 10.0.0.1 1 65535\r\n" + CLIENT_HELLO_START,
        "v1-tcp6": b"PROXY TCP6 2001:db8::1 fd00::2 51000 443\r\n" + get,
        "v1-tcp6-long-form": b"PROXY TCP6 2001:0DB8:0000:0000:0000:0000:0000:0001 ::1 0 80\r\n",
        "v1-tcp6-mapped": b"PROXY TCP6 ::ffff:192.0.2.1 ::ffff:10.0.0.1 4000 80\r\n",
        "v1-unknown": b"PROXY UNKNOWN\r\n" + get,
        "v1-unknown-longest": (b"PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
                               b"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n"),
        "v1-bare-lf": b"PROXY TCP4 192.0.2.1 198.51.100.7 56324 443\n",
        "v1-leading-zero": b"PROXY TCP4 192.0.2.01 198.51.100.7 56324 443\r\n",
        "v2-tcp4": v2_header(V2_PROXY, TCP4, ipv4_block([192, 0, 2, 1], [198, 51, 100, 7], 56324, 443)) + get,
        "v2-tcp4-tlvs": v2_header(V2_PROXY, TCP4, ipv4_block([10, 1, 2, 3], [10, 9, 8, 7], 8080, 80), tlvs) +
                        CLIENT_HELLO_START,
        "v2-tcp6": v2_header(V2_PROXY, TCP6, ipv6_block) + get,
        "v2-tcp6-mapped": v2_header(V2_PROXY, TCP6, mapped_block, tlv(0x04, b"")),
        "v2-udp4": v2_header(V2_PROXY, UDP4, ipv4_block([192, 0, 2, 1], [198, 51, 100, 7], 53, 53)),
        "v2-udp6": v2_header(V2_PROXY, UDP6, ipv6_block),
        "v2-unix": v2_header(V2_PROXY, UNIX_STREAM, b"/run/lb.sock".ljust(108, b"\x00") * 2),
        "v2-unspec": v2_header(V2_PROXY, UNSPEC),
        "v2-local": v2_header(V2_LOCAL, UNSPEC) + get,
        "v2-local-with-block": v2_header(V2_LOCAL, TCP4, ipv4_block([127, 0, 0, 1], [127, 0, 0, 1], 1, 2)),
        "v2-largest": v2_header(V2_PROXY, TCP4, ipv4_block([192, 0, 2, 1], [192, 0, 2, 2], 1, 2),
                                tlv(0x04, bytes(1024 - 12 - 3))),
        "v2-short-block": v2_header(V2_PROXY, TCP6, ipv6_block[:20]),
        "not-a-header": get,
    }


def write(target, seeds):
    directory = CORPUS / target
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    for name, data in sorted(seeds.items()):
        (directory / name).write_bytes(data)
    print(f"{target}: {len(seeds)} seeds in {directory.relative_to(CORPUS.parent.parent.parent)}")


def main():
    write("fuzz_frame_reader", frame_seeds())
    write("fuzz_client_message", json_seeds())
    write("fuzz_http_request", http_seeds())
    write("fuzz_close_handshake", close_handshake_seeds())
    write("fuzz_proxy_header", proxy_header_seeds())


if __name__ == "__main__":
    main()
