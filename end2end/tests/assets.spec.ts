// The built assets: served precompressed, revalidated rather than cached blindly.
import { expect } from '@playwright/test';
import { test } from './helpers';

test('le wasm est servi précompressé et revalidé', async ({ request }, testInfo) => {
  test.skip(testInfo.project.name !== 'bureau', 'une fois suffit');
  for (const [encoding, expected] of [['br', 'br'], ['gzip', 'gzip']]) {
    const res = await request.get('/pkg/preau.wasm', { headers: { 'Accept-Encoding': encoding } });
    expect(res.status()).toBe(200);
    expect(res.headers()['content-encoding']).toBe(expected);
    expect(res.headers()['cache-control']).toBe('no-cache');
  }
});
