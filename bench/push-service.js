'use strict';
// The push service of the push benchmark, a process of its own (so that its work does not slow the
// bench's clients): answers every Web Push request 201 at once and counts them. With `decrypt`
// (POST /reset?decrypt=1) it decrypts each payload (keys from PUSH_BENCH_P256 / PUSH_BENCH_AUTH) to
// record when each message's first push arrived. GET /stats reports.
const { createServer } = require('node:http');
const { createECDH } = require('node:crypto');
const ece = require('http_ece');

const ecdh = createECDH('prime256v1');
ecdh.setPrivateKey(Buffer.from(process.env.PUSH_BENCH_P256, 'base64url'));
const authSecret = Buffer.from(process.env.PUSH_BENCH_AUTH, 'base64url');
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;
// Wall-clock milliseconds at hrtime 0: arrival times the bench can compare with its own clock.
const epoch = Date.now() - nowMs();
let state;
const reset = (decrypt) => (state = { count: 0, first: null, last: null, decrypt, arrivals: {} });
reset(false);

createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/health') return res.writeHead(200).end('{}');
  if (req.method === 'GET' && req.url === '/stats')
    return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(state));
  if (req.method === 'POST' && req.url.startsWith('/reset')) {
    reset(req.url.includes('decrypt=1'));
    return res.writeHead(204).end();
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const at = epoch + nowMs();
    state.count += 1;
    state.first ??= at;
    state.last = at;
    if (state.decrypt) {
      const plain = ece.decrypt(Buffer.concat(chunks), { version: 'aes128gcm', privateKey: ecdh, authSecret });
      const { messageId } = JSON.parse(plain.toString('utf8'));
      state.arrivals[messageId] ??= at;
    }
    res.writeHead(201).end();
  });
}).listen(Number(process.env.PORT), process.env.HOST);
