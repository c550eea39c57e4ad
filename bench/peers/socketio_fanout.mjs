// Socket.IO 4 peer for the fan-out scenario of bench/run.
//   node socketio_fanout.mjs server --port P --redis redis://127.0.0.1:R
//     one room "colony"; every client joins it; a "chat" from a client is emitted to the room
//     through @socket.io/redis-adapter (so it goes through Redis pub/sub, as across hubs).
//   node socketio_fanout.mjs clients --url http://127.0.0.1:P --count N --events E --rate R
//     N websocket-only clients plus one sender; prints READY, waits for a line on stdin, sends E
//     stamped chats at R per second, then prints REPORT with the same fields as mi-loadgen fanout.
import readline from 'node:readline';

import { commandLine, now, redisAdapterServer } from './socketio_server.mjs';

const { role, args } = commandLine();

function summary(samplesNs) {
  const s = Float64Array.from(samplesNs.map((x) => Number(x) / 1e6)).sort();
  const at = (p) => (s.length ? s[Math.min(s.length - 1, Math.round(p * (s.length - 1)))] : 0);
  const mean = s.length ? s.reduce((a, b) => a + b, 0) / s.length : 0;
  return { count: s.length, p50_ms: at(0.5), p90_ms: at(0.9), p99_ms: at(0.99), p999_ms: at(0.999), max_ms: at(1), mean_ms: mean };
}

if (role === 'server') {
  const { server, io } = await redisAdapterServer(args.redis);
  io.on('connection', (socket) => {
    socket.join('colony');
    socket.on('chat', (text) => io.to('colony').emit('event', text));
  });
  server.listen(Number(args.port), '127.0.0.1', () => console.log(`socketio_fanout listening on ${args.port}`));
} else if (role === 'clients') {
  const { io } = await import('socket.io-client');
  const count = Number(args.count), events = Number(args.events), rate = Number(args.rate || 10);
  const last = new Array(events).fill(0n), sentAt = new Array(events).fill(0n), got = new Array(events).fill(0);
  const delivery = [];
  let ready = 0, failures = 0;
  const opts = { transports: ['websocket'], reconnection: false, forceNew: true };
  const connectOne = () => new Promise((resolve) => {
    const s = io(args.url, opts);
    s.on('connect', () => { ready++; resolve(s); });
    s.on('connect_error', () => { failures++; resolve(null); });
    s.on('event', (text) => {
      const t = now();
      const [, idx, stamp] = text.split(':');
      const i = Number(idx);
      delivery.push(t - BigInt(stamp));
      if (t > last[i]) last[i] = t;
      got[i]++;
    });
  });
  const sockets = [];
  for (let i = 0; i < count; i += 500) {
    const batch = [];
    for (let j = i; j < Math.min(count, i + 500); j++) batch.push(connectOne());
    sockets.push(...(await Promise.all(batch)));
  }
  const sender = io(args.url, opts);
  await new Promise((r) => sender.on('connect', r));
  console.log('READY ' + JSON.stringify({ watchers_ready: ready }));
  if (args.barrier !== 'no') await new Promise((r) => readline.createInterface({ input: process.stdin }).once('line', r));
  const start = now();
  for (let i = 0; i < events; i++) {
    sentAt[i] = now();
    sender.emit('chat', `b:${i}:${sentAt[i]}`);
    await new Promise((r) => setTimeout(r, 1000 / rate));
  }
  const measured = Number(now() - start) / 1e9;
  await new Promise((r) => setTimeout(r, 2000));
  const toLast = [];
  let complete = 0, deliveries = 0;
  for (let i = 0; i < events; i++) {
    deliveries += got[i];
    if (got[i] >= ready && got[i] > 0) { complete++; toLast.push(last[i] - sentAt[i]); }
  }
  console.log('REPORT ' + JSON.stringify({ mode: 'fanout', peer: 'socket.io', measured_s: measured, watchers: ready,
    watcher_failures: failures, events, events_complete: complete, deliveries,
    delivery: summary(delivery), time_to_last_watcher: summary(toLast) }));
  process.exit(0);
}
