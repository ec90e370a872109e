import { describe, expect, it } from 'vitest';
import { AppError } from '../errors';
import { requestUrl } from './http-server';

// The host skips `new URL` for targets it keeps as written: the answer must be the parser's.
function viaParser(target: string, host: string): { href: string; pathname: string } | 'error' {
  try {
    const url = new URL(target, `http://${host}`);
    return { href: url.href, pathname: url.pathname };
  } catch {
    return 'error';
  }
}

function viaHost(target: string, host: string): { href: string; pathname: string } | 'error' {
  try {
    return requestUrl({ url: target, headers: { host } });
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return 'error';
  }
}

describe('requestUrl', () => {
  it('answers as new URL for chosen targets and Host headers', () => {
    const targets = [
      '/api/products/p-000001',
      '/api/products?limit=20&category=shoes',
      '/api/products/%70-1',
      '/api/./products',
      '/api/%2e%2e/x',
      '/api/a/../b',
      '//evil/api/x',
      '/api/x?a=/../b',
      "/api/x?q=it's",
      '/api/x?q=a b',
      '/api/x#frag',
      '/api\\x',
      '/api/ümlaut',
      '/api/x.y/.z',
      '/api/x/.',
      '/',
      '/api/',
      '/api/%',
    ];
    const hosts = [
      'localhost',
      'LOCALHOST:3000',
      '127.0.0.1:80',
      'a@b',
      'x/y',
      'a?b',
      '127.1',
      'a b',
      '[::1',
      '',
    ];
    for (const target of targets)
      for (const host of hosts)
        expect(viaHost(target, host), `${host} ${target}`).toEqual(viaParser(target, host));
  });

  it('answers as new URL for random targets', () => {
    const alphabet = '/.%2eE?#&=:@;,+*()!$\'~-_aZ09 \\"<>`{}|^[]ü';
    let seed = 1;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let n = 0; n < 20_000; n++) {
      let target = '/';
      const length = Math.floor(random() * 16);
      for (let i = 0; i < length; i++) target += alphabet[Math.floor(random() * alphabet.length)];
      expect(viaHost(target, 'localhost:7071'), target).toEqual(viaParser(target, 'localhost:7071'));
    }
  });
});
