// Peer for bench/run: the minimal equivalent of mi-hub's agent path on Node's `ws`.
// Accepts WebSockets, parses every JSON frame, keeps last-seen per agent in memory, replies
// {"type":"welcome"} to hello, and with --redis does `SET presence:<id> <ms> EX <ttl>` on hello
// and on every heartbeat (ioredis). With --pubsub (needs --redis) it also publishes online and
// offline events on one channel and forwards them to local watchers ({"type":"watch"}), which is
// the smallest multi-process presence feed. GET /stats returns counters as JSON. With
// --workers N it runs as a Node cluster of N processes on the one port, the way a Node service
// uses several cores; /stats then returns the sum over the workers (at most 200 ms old). With
// --tls-cert FILE --tls-key FILE (PEM) it serves https and wss through `https.createServer`,
// Node's own TLS (OpenSSL), with its defaults: session tickets on, keys made at start.
import cluster from 'node:cluster';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { WebSocketServer } from 'ws';
import Redis from 'ioredis';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => {
    if (a.startsWith('--')) acc.push([a.slice(2), all[i + 1] && !all[i + 1].startsWith('--') ? all[i + 1] : true]);
    return acc;
  }, []));
const port = Number(args.port || 9100);
const workers = Number(args.workers || 1);

if (workers > 1 && cluster.isPrimary) {
  const latest = new Map();
  let stopping = false;
  for (let i = 0; i < workers; i++) cluster.fork();
  cluster.on('message', (worker, message) => {
    if (!message.stats) return;
    latest.set(worker.id, message.stats);
    const total = {};
    for (const s of latest.values()) for (const [k, v] of Object.entries(s)) total[k] = (total[k] || 0) + v;
    for (const w of Object.values(cluster.workers)) w.send({ total });
  });
  cluster.on('exit', (worker, code) => {
    if (stopping) return;
    console.error(`worker ${worker.process.pid} exited with ${code}`);
    process.exit(1);
  });
  process.on('SIGTERM', () => {
    stopping = true;
    // At once: a worker behind on a backlog of heartbeats would take its time to reach a handler.
    for (const w of Object.values(cluster.workers)) w.process.kill('SIGKILL');
    process.exit(0);
  });
} else {
  serve();
}

function serve() {
  const ttl = Number(args.ttl || 120);
  const redis = args.redis ? new Redis(args.redis) : null;
  const pub = args.pubsub && redis ? redis : null;
  const sub = args.pubsub && args.redis ? new Redis(args.redis) : null;

  const lastSeen = new Map();
  const stats = { frames: 0, conns: 0, agents: 0, watchers: 0, sets: 0, published: 0, delivered: 0 };
  const watchers = new Set();

  let clusterTotal = null;
  if (cluster.isWorker) {
    setInterval(() => {
      stats.agents = lastSeen.size;
      stats.watchers = watchers.size;
      process.send({ stats });
    }, 200);
    process.on('message', (message) => {
      if (message.total) clusterTotal = message.total;
    });
  }

  const handler = (req, res) => {
    if (req.url === '/stats') {
      stats.agents = lastSeen.size;
      stats.watchers = watchers.size;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(clusterTotal || stats));
      return;
    }
    res.writeHead(404);
    res.end();
  };
  const server = args['tls-cert']
    ? https.createServer({ cert: fs.readFileSync(args['tls-cert']), key: fs.readFileSync(args['tls-key']) }, handler)
    : http.createServer(handler);
  const wss = new WebSocketServer({ server, path: '/v1/ws', maxPayload: 65536, perMessageDeflate: false });

  function touch(id) {
    const now = Date.now();
    lastSeen.set(id, now);
    if (redis) {
      redis.set('presence:' + id, String(now), 'EX', ttl);
      stats.sets++;
    }
  }

  if (sub) {
    sub.subscribe('events');
    sub.on('message', (_channel, message) => {
      for (const w of watchers) {
        w.send(message);
        stats.delivered++;
      }
    });
  }

  wss.on('connection', (ws) => {
    stats.conns++;
    let id = null;
    ws.on('message', (data) => {
      stats.frames++;
      let msg;
      try {
        msg = JSON.parse(data);
      } catch {
        return;
      }
      if (id !== null) {
        touch(id);
        return;
      }
      if (msg.type === 'hello' && typeof msg.token === 'string') {
        id = msg.token.split(':')[1] || msg.token;
        touch(id);
        ws.send('{"type":"welcome"}');
        if (pub) {
          pub.publish('events', JSON.stringify({ type: 'event', event: 'online', agent: { id } }));
          stats.published++;
        }
      } else if (msg.type === 'watch') {
        watchers.add(ws);
        ws.send('{"type":"snapshot","agents":[]}');
        id = '';
      }
    });
    ws.on('close', () => {
      stats.conns--;
      watchers.delete(ws);
      if (id) {
        lastSeen.delete(id);
        if (pub) {
          pub.publish('events', JSON.stringify({ type: 'event', event: 'offline', agent: { id } }));
          stats.published++;
        }
      }
    });
  });

  server.listen(port, args.host || '127.0.0.1', () => console.log(`ws_presence listening on ${port}`));
  process.on('SIGTERM', () => process.exit(0));
}
