// Socket.IO 4 peer for the bigcolony scenario of bench/run: one large room over several server
// processes through @socket.io/redis-adapter, and the time of a fetchSockets() of that room,
// which is Socket.IO's answer to "who is in the colony" (a snapshot).
//   node socketio_room.mjs server --port P --redis redis://127.0.0.1:R
//     every client joins the room "colony"; GET /count answers this process's sockets, GET /fetch
//     runs io.in("colony").fetchSockets() (every process's sockets, through Redis) and answers
//     {"count":N,"ms":T,"bytes":B} (B: the JSON of what it got, as a client would be sent it)
//   node socketio_room.mjs clients --urls http://127.0.0.1:P[,..] --count N
//     N websocket-only clients spread over the urls; prints READY {"connected":..,"failures":..}
//     and PROGRESS lines, and exits when stdin ends.
import readline from 'node:readline';

import { commandLine, now, redisAdapterServer } from './socketio_server.mjs';

const { role, args } = commandLine();

if (role === 'server') {
  const onRequest = async (req, res, io) => {
    const answer = (code, body) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.url === '/count') return answer(200, { sockets: io.of('/').sockets.size });
    if (req.url === '/fetch') {
      const t0 = now();
      try {
        const sockets = await io.in('colony').fetchSockets();
        const ms = Number(now() - t0) / 1e6;
        const listed = sockets.map((s) => ({ id: s.id, rooms: [...s.rooms], data: s.data, handshake: s.handshake }));
        return answer(200, { count: sockets.length, ms, bytes: Buffer.byteLength(JSON.stringify(listed)) });
      } catch (e) {
        return answer(200, { count: null, ms: Number(now() - t0) / 1e6, error: String(e) });
      }
    }
    return answer(404, {});
  };
  // A room of 100,000 over several processes answers later than the adapter's default 5 s.
  const { server, io } = await redisAdapterServer(args.redis, onRequest,
                                                  { requestsTimeout: Number(args['requests-timeout-ms'] || 120000) });
  io.on('connection', (socket) => {
    socket.data.name = `agent-${socket.id.slice(0, 6)}`;
    socket.join('colony');
  });
  server.listen(Number(args.port), '127.0.0.1', () => console.log(`socketio_room listening on ${args.port}`));
} else if (role === 'clients') {
  const { io } = await import('socket.io-client');
  const urls = args.urls.split(','), count = Number(args.count);
  let connected = 0, failures = 0, lastError = '';
  const opts = { transports: ['websocket'], reconnection: false, forceNew: true };
  const connectOne = (url) => new Promise((resolve) => {
    const s = io(url, opts);
    s.on('connect', () => { connected++; resolve(s); });
    s.on('connect_error', (e) => { failures++; lastError = String(e); resolve(null); });
    s.on('disconnect', () => { connected--; });
  });
  const progress = setInterval(() => console.log('PROGRESS ' + JSON.stringify({ connected, failures })), 1000);
  const sockets = [];
  for (let i = 0; i < count; i += 500) {
    const batch = [];
    for (let j = i; j < Math.min(count, i + 500); j++) batch.push(connectOne(urls[j % urls.length]));
    sockets.push(...(await Promise.all(batch)));
  }
  console.log('READY ' + JSON.stringify({ connected, failures, last_error: lastError }));
  readline.createInterface({ input: process.stdin }).on('close', () => {
    clearInterval(progress);
    console.log('REPORT ' + JSON.stringify({ connected, failures, last_error: lastError }));
    process.exit(0);
  });
}
