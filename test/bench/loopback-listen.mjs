// Preloaded (`node --import`) into a third-party server that has no listen-address option (the Portkey gateway
// in compare.bench.mjs): a listen on a port with no host binds 127.0.0.1 instead of every interface.
import net from 'node:net';

const LOOPBACK = '127.0.0.1';
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  const [first, second] = args;
  if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    if (second === undefined || second === null) args[1] = LOOPBACK;
    else if (typeof second === 'function') args.splice(1, 0, LOOPBACK);
  } else if (first !== null && typeof first === 'object' && first.path === undefined && first.host === undefined && first.port !== undefined) {
    args[0] = { ...first, host: LOOPBACK };
  }
  return listen.apply(this, args);
};
