import type { LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import { EndpointPolicy, EndpointRefused, isNonPublicAddress } from './endpoint-policy';

/** A resolver of fixed answers: these tests never ask a real DNS server. */
function fakeDns(answers: Record<string, string[]>) {
  const asked: string[] = [];
  const resolve = (host: string, _options: unknown, callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => {
    asked.push(host);
    const found = answers[host];
    if (!found) return callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' }), []);
    callback(
      null,
      found.map((address) => ({ address, family: isIP(address) })),
    );
  };
  return { resolve, asked };
}

describe('isNonPublicAddress', () => {
  it.each([
    '127.0.0.1',
    '127.255.255.254',
    '10.0.0.1',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '0.1.2.3',
    '224.0.0.1',
    '239.255.255.250',
    '255.255.255.255',
    '240.0.0.1',
    '192.0.2.10',
    '198.18.0.1',
    '::',
    '::1',
    '::127.0.0.1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:10.0.0.1',
    '::ffff:169.254.169.254',
    '::ffff:a9fe:a9fe',
    '64:ff9b::10.0.0.1',
    '64:ff9b::7f00:1',
    '64:ff9b:1::1',
    'fc00::1',
    'fd12:3456:789a::1',
    'fe80::1',
    'febf::1',
    'fec0::1',
    'ff02::1',
    'ff0e::1',
    '2001:db8::1',
    '2002:7f00:1::1',
    '100::1',
    'not an address',
  ])('%s is not public', (address) => {
    expect(isNonPublicAddress(address)).toBe(true);
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '172.32.0.1',
    '100.128.0.1',
    '169.255.0.1',
    '2a00:1450:4001::1',
    '2606:4700::1111',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
  ])('%s is public', (address) => {
    expect(isNonPublicAddress(address)).toBe(false);
  });
});

describe('EndpointPolicy.check (when a subscription is stored)', () => {
  const dns = fakeDns({
    'push.example.com': ['93.184.216.34', '2606:2800:220:1::1'],
    'rebind.example.com': ['93.184.216.34', '10.0.0.5'],
    'metadata.example.com': ['169.254.169.254'],
    'mapped.example.com': ['::ffff:127.0.0.1'],
    'inside.example.com': ['10.1.2.3'],
  });
  const policy = new EndpointPolicy([], dns.resolve);

  it('takes an https URL of a public host', async () => {
    await expect(policy.check('https://push.example.com/send/abc')).resolves.toBeNull();
    await expect(policy.check('https://93.184.216.34:8443/x')).resolves.toBeNull();
    await expect(policy.check('https://[2606:2800:220:1::1]/x')).resolves.toBeNull();
  });

  it.each([
    ['http to a public host', 'http://push.example.com/x'],
    ['another scheme', 'ftp://push.example.com/x'],
    ['not a URL', 'push.example.com/x'],
    ['a user and password', 'https://user:secret@push.example.com/x'],
    ['a private address', 'https://10.0.0.1/x'],
    ['cloud metadata', 'https://169.254.169.254/latest/meta-data'],
    ['IPv6 loopback', 'https://[::1]/x'],
    ['IPv4-mapped loopback', 'https://[::ffff:127.0.0.1]/x'],
    ['unique-local', 'https://[fd00::1]/x'],
    ['link-local IPv6', 'https://[fe80::1]/x'],
    ['loopback in hex', 'https://0x7f000001/x'],
    ['loopback as a number', 'https://2130706433/x'],
    ['localhost', 'https://localhost:8443/x'],
    ['a name under localhost', 'https://push.localhost/x'],
    ['a name resolving to a private address', 'https://inside.example.com/x'],
    ['a name resolving to link-local', 'https://metadata.example.com/x'],
    ['a name resolving to an IPv4-mapped loopback', 'https://mapped.example.com/x'],
    ['a name with one private address among public ones', 'https://rebind.example.com/x'],
  ])('refuses %s', async (_, endpoint) => {
    expect(await policy.check(endpoint)).toEqual({ problem: expect.any(String) as string });
  });

  it('asks DNS only for names that pass the URL rules', async () => {
    dns.asked.length = 0;
    await policy.check('http://push.example.com/x');
    await policy.check('https://10.0.0.1/x');
    await policy.check('https://localhost/x');
    expect(dns.asked).toEqual([]);
  });

  it('says when a name does not resolve, and whether that may pass (a transient failure)', async () => {
    expect(await policy.check('https://nowhere.example.com/x')).toEqual({ problem: 'endpoint host does not resolve', unresolved: false });
    const flaky = new EndpointPolicy([], (_h, _o, cb) => cb(Object.assign(new Error('timeout'), { code: 'EAI_AGAIN' }), []));
    expect(await flaky.check('https://push.example.com/x')).toEqual({ problem: 'endpoint host does not resolve', unresolved: true });
  });
});

describe('EndpointPolicy with PUSH_ENDPOINT_ALLOW', () => {
  const dns = fakeDns({ 'push.internal': ['10.9.8.7'], localhost: ['127.0.0.1'], 'other.internal': ['10.1.1.1'] });
  const policy = new EndpointPolicy(['127.0.0.1', 'push.internal', '10.9.0.0/16', '::1'], dns.resolve);

  it('allows the listed hosts, over http too', async () => {
    await expect(policy.check('http://127.0.0.1:9999/push/1')).resolves.toBeNull();
    await expect(policy.check('https://[::1]:9999/push/1')).resolves.toBeNull();
    await expect(policy.check('http://push.internal/x')).resolves.toBeNull();
    await expect(policy.check('https://10.9.1.1/x')).resolves.toBeNull();
    await expect(policy.check('http://10.9.1.1/x')).resolves.toBeNull();
  });

  it('a name resolving into an allowed address is allowed over https only', async () => {
    await expect(policy.check('https://localhost:9999/x')).resolves.toEqual({ problem: expect.any(String) as string }); // *.localhost: RFC 6761
    await expect(policy.check('http://other.internal/x')).resolves.toEqual({ problem: expect.any(String) as string });
    await expect(policy.check('https://other.internal/x')).resolves.toEqual({ problem: expect.any(String) as string });
  });

  it('allows nothing else', async () => {
    await expect(policy.check('http://127.0.0.2/x')).resolves.toEqual({ problem: expect.any(String) as string });
    await expect(policy.check('https://10.1.1.1/x')).resolves.toEqual({ problem: expect.any(String) as string });
  });
});

describe('EndpointPolicy.lookup (every connection a push makes)', () => {
  const dns = fakeDns({
    'push.example.com': ['93.184.216.34', '2606:2800:220:1::1'],
    'rebind.example.com': ['10.0.0.5'],
    'push.internal': ['10.9.8.7'],
  });
  const policy = new EndpointPolicy(['push.internal'], dns.resolve);
  const lookup = (host: string, all: boolean) =>
    new Promise<{ err: Error | null; result: unknown }>((ok) => {
      policy.lookup(host, { all }, (err, address, family) => ok({ err, result: all ? address : { address, family } }));
    });

  it('answers with the checked addresses (one or all, as asked)', async () => {
    expect(await lookup('push.example.com', true)).toEqual({
      err: null,
      result: [
        { address: '93.184.216.34', family: 4 },
        { address: '2606:2800:220:1::1', family: 6 },
      ],
    });
    expect(await lookup('push.example.com', false)).toEqual({ err: null, result: { address: '93.184.216.34', family: 4 } });
  });

  it('refuses a name that now resolves to an internal address (DNS rebinding)', async () => {
    const { err } = await lookup('rebind.example.com', true);
    expect(err).toBeInstanceOf(EndpointRefused);
  });

  it('lets an allowed name through whatever it resolves to', async () => {
    expect((await lookup('push.internal', false)).err).toBeNull();
  });
});
