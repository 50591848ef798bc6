import { describe, expect, it } from 'vitest';
import { checkAddress, checkHost, checkServerUrl } from './address-guard';

describe('address forms (F12)', () => {
  it.each([
    '::127.0.0.1',
    '64:ff9b::127.0.0.1',
    '::ffff:0:127.0.0.1',
    '::ffff:7f00:1',
    '0:0:0:0:0:0:0:1',
    '2002:7f00:1::1',
    'fe80::1%25eth0',
    '224.0.0.1',
    '255.255.255.255',
  ])('refuses the address %s', (address) => {
    expect(checkAddress(decodeURIComponent(address)).allowed).toBe(false);
  });

  it.each(['localhost.', 'metadata.google.internal.', 'LOCALHOST..', 'x.localhost'])(
    'refuses the name %s',
    async (name) => {
      expect((await checkHost(name, { resolve: async () => ['10.0.0.1'] })).allowed).toBe(false);
    },
  );

  it("refuses the host's own non-loopback addresses", async () => {
    const own = () => ['192.0.2.2', 'fd00::2'];
    expect(checkAddress('192.0.2.2', own).allowed).toBe(false);
    expect(checkAddress('fd00:0:0:0:0:0:0:2', own).allowed).toBe(false);
    expect(checkAddress('::ffff:192.0.2.2', own).allowed).toBe(false);
    expect(
      (await checkHost('vm.test', { resolve: async () => ['192.0.2.2'], ownAddresses: own }))
        .allowed,
    ).toBe(false);
    expect(checkAddress('192.0.2.3', own).allowed).toBe(true);
  });
});

describe('names at registration', () => {
  it('refuses a name that does not resolve, since it could be pointed here later', async () => {
    const verdict = await checkServerUrl('https://nowhere.invalid:6443', [], async () => []);
    expect(verdict).toEqual({ allowed: false, reason: 'nowhere.invalid does not resolve' });
    const failing = await checkServerUrl('https://nowhere.invalid:6443', [], async () => {
      throw new Error('ENOTFOUND');
    });
    expect(failing.allowed).toBe(false);
  });

  it('refuses a name when any of its addresses is refused', async () => {
    const verdict = await checkHost('two.test', { resolve: async () => ['10.0.0.1', '::1'] });
    expect(verdict.allowed).toBe(false);
  });
});
