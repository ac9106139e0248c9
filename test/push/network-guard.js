/* global require, process */
'use strict';
// Loaded into the service under test with NODE_OPTIONS=--require (see test/push/support.ts): no
// connection leaves 127.0.0.1 and no name reaches a real DNS server, whatever the code under test
// does. Names resolve only from NETWORK_GUARD_HOSTS ("name=address,…") and `localhost`; any other
// lookup fails with ENOTFOUND, and a connection to an IP address other than 127.0.0.1 fails with
// ECONNREFUSED before a packet is sent. Both are appended to NETWORK_GUARD_LOG, so that a test can
// assert that nothing was even attempted.
const dns = require('node:dns');
const fs = require('node:fs');
const net = require('node:net');

const logFile = process.env.NETWORK_GUARD_LOG;
const hosts = new Map(
  (process.env.NETWORK_GUARD_HOSTS || '')
    .split(',')
    .filter(Boolean)
    .map((pair) => pair.split('=').map((s) => s.trim().toLowerCase())),
);
hosts.set('localhost', '127.0.0.1');

function record(line) {
  if (logFile) fs.appendFileSync(logFile, `${line}\n`);
}

function answer(hostname, options) {
  const name = String(hostname).toLowerCase();
  // An address "resolves" to itself without DNS (pg looks up even 127.0.0.1).
  const address = net.isIP(name) ? name : hosts.get(name);
  if (!address) {
    record(`lookup ${name}`);
    return { error: Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND', hostname: name }) };
  }
  const family = net.isIP(address);
  return { all: [{ address, family }], address, family, wantsAll: Boolean(options && options.all) };
}

dns.lookup = function guardedLookup(hostname, options, callback) {
  if (typeof options === 'function') [callback, options] = [options, {}];
  if (typeof options === 'number') options = { family: options };
  const a = answer(hostname, options);
  process.nextTick(() => {
    if (a.error) callback(a.error);
    else if (a.wantsAll) callback(null, a.all);
    else callback(null, a.address, a.family);
  });
  return {};
};

dns.promises.lookup = async function guardedPromiseLookup(hostname, options) {
  const a = answer(hostname, options);
  if (a.error) throw a.error;
  return a.wantsAll ? a.all : { address: a.address, family: a.family };
};

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(...args) {
  const [first, second] = Array.isArray(args[0]) ? args[0] : args;
  let host;
  let port;
  if (first && typeof first === 'object') {
    if (first.path !== undefined) return connect.apply(this, args);
    host = first.host;
    port = first.port;
  } else if (typeof first === 'string' && !/^\d+$/.test(first)) {
    return connect.apply(this, args); // a Unix socket path
  } else {
    port = first;
    host = typeof second === 'string' ? second : undefined;
  }
  host = host === undefined ? 'localhost' : String(host).replace(/^\[(.*)\]$/, '$1');
  if (net.isIP(host) && host !== '127.0.0.1') {
    record(`connect ${host} ${port}`);
    process.nextTick(() =>
      this.destroy(Object.assign(new Error(`connect to ${host} blocked by the test network guard`), { code: 'ECONNREFUSED' })),
    );
    return this;
  }
  return connect.apply(this, args);
};
