// What the Socket.IO peers of bench/run share: their command line, and a Socket.IO 4 server on
// @socket.io/redis-adapter (so that rooms span processes through Redis pub/sub, as across hubs).
import http from 'node:http';

/** `node peer.mjs ROLE --key value ...` as {role, args}. */
export function commandLine(argv = process.argv.slice(2)) {
  const [role, ...rest] = argv;
  const args = {};
  for (let i = 0; i < rest.length; i += 2) args[rest[i].replace(/^--/, '')] = rest[i + 1];
  return { role, args };
}

/** CLOCK_MONOTONIC ns, like mi-loadgen. */
export const now = () => process.hrtime.bigint();

/**
 * A websocket-only Socket.IO server on Redis `redisUrl`, its HTTP server answering other requests
 * with `onRequest(req, res, io)`; `adapterOptions` go to createAdapter. Not yet listening.
 */
export async function redisAdapterServer(redisUrl, onRequest = null, adapterOptions = {}) {
  const { Server } = await import('socket.io');
  const { createAdapter } = await import('@socket.io/redis-adapter');
  const { default: Redis } = await import('ioredis');
  const pubClient = new Redis(redisUrl);
  const subClient = pubClient.duplicate();
  let io = null;
  const server = http.createServer(onRequest ? (req, res) => onRequest(req, res, io) : undefined);
  io = new Server(server, {
    transports: ['websocket'], perMessageDeflate: false,
    adapter: createAdapter(pubClient, subClient, adapterOptions),
  });
  process.on('SIGTERM', () => process.exit(0));
  return { server, io };
}
