import { TargetRefused, allowList, checkAddresses, checkUrl, isPrivateAddress } from './target-guard';

const none = allowList([]);

describe('webhook targets (SSRF)', () => {
  it('knows the private, loopback, link-local and reserved ranges, mapped IPv6 included', () => {
    for (const a of [
      '127.0.0.1',
      '10.2.3.4',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      '::',
      'fe80::1',
      'fd00::1',
      '::ffff:127.0.0.1',
      '::ffff:10.0.0.1',
      '224.0.0.1',
    ]) {
      expect([a, isPrivateAddress(a)]).toEqual([a, true]);
    }
    for (const a of ['93.184.216.34', '8.8.8.8', '172.32.0.1', '2606:4700::1111', '::ffff:8.8.8.8'])
      expect([a, isPrivateAddress(a)]).toEqual([a, false]);
  });

  it('requires https, except for allowed development hosts', () => {
    expect(() => checkUrl('http://hooks.example.com/x', none)).toThrow(TargetRefused);
    expect(checkUrl('https://hooks.example.com/x', none).hostname).toBe('hooks.example.com');
    expect(checkUrl('http://localhost:8080/x', allowList(['localhost'])).port).toBe('8080');
    expect(checkUrl('http://127.0.0.1:8080/x', allowList(['127.0.0.1'])).port).toBe('8080');
    expect(checkUrl('http://10.1.2.3/x', allowList(['10.0.0.0/8'])).hostname).toBe('10.1.2.3');
    expect(() => checkUrl('file:///etc/passwd', none)).toThrow(TargetRefused);
    expect(() => checkUrl('https://u:p@hooks.example.com/', none)).toThrow(/credentials/);
  });

  it('refuses private address literals unless listed', () => {
    expect(() => checkUrl('https://127.0.0.1/x', none)).toThrow(/private/);
    expect(() => checkUrl('https://[::1]/x', none)).toThrow(/private/);
    expect(() => checkUrl('https://127.0.0.2/x', allowList(['127.0.0.1']))).toThrow(/private/);
    expect(checkUrl('https://127.0.0.1/x', allowList(['127.0.0.1'])).hostname).toBe('127.0.0.1');
  });

  it('refuses a name when any address it resolves to is private, unless the name or the address is listed', async () => {
    const lookup = async () => [
      { address: '93.184.216.34', family: 4 },
      { address: '10.0.0.1', family: 4 },
    ];
    const url = new URL('https://mixed.example/x');
    await expect(checkAddresses(url, none, lookup)).rejects.toThrow(/10\.0\.0\.1/);
    await expect(checkAddresses(url, allowList(['mixed.example']), lookup)).resolves.toHaveLength(2);
    await expect(checkAddresses(url, allowList(['10.0.0.0/24']), lookup)).resolves.toHaveLength(2);
    await expect(checkAddresses(url, none, async () => [{ address: '93.184.216.34', family: 4 }])).resolves.toEqual([
      { address: '93.184.216.34', family: 4 },
    ]);
    await expect(checkAddresses(url, none, async () => Promise.reject(new Error('ENOTFOUND')))).rejects.toThrow(/does not resolve/);
  });
});
