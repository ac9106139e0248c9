'use strict';
// The transport ceiling: a bare socket.io relay with no database and no auth. Each socket joins
// the room named in its handshake; `message:send` is acked at once and relayed to the chat peer's room.
const { createServer } = require('node:http');
const { Server } = require('socket.io');

const http = createServer((req, res) => {
  res.writeHead(req.url === '/health' ? 200 : 404, { 'content-type': 'application/json' });
  res.end('{}');
});
const io = new Server(http, { perMessageDeflate: false, maxHttpBufferSize: 1e6 });
io.on('connection', (socket) => {
  const { user, peer } = socket.handshake.auth;
  socket.join(`user:${user}`);
  let seq = 0;
  socket.on('message:send', (payload, ack) => {
    seq += 1;
    const message = { ...payload, id: payload.clientId, seq, senderId: user, createdAt: new Date().toISOString() };
    if (typeof ack === 'function') ack({ ok: true, data: message });
    socket.to(`user:${peer}`).emit('message:new', message);
  });
});
http.listen(Number(process.env.PORT), process.env.HOST || '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
