// The built assets: named after their content, served precompressed and kept by browsers
// for a year (a returning visitor downloads nothing but the page); pages are never stored.
import { expect } from '@playwright/test';
import { test } from './helpers';

test('les fichiers construits portent leur empreinte et sont gardés un an', async ({ request }, testInfo) => {
  test.skip(testInfo.project.name !== 'bureau', 'une fois suffit');
  const page = await request.get('/connexion');
  expect(page.status()).toBe(200);
  expect(page.headers()['cache-control']).toBe('no-store');
  const html = await page.text();
  const names = [
    html.match(/<link rel="stylesheet" href="([^"]+)"/)?.[1],
    html.match(/<link rel="modulepreload" href="([^"]+)"/)?.[1],
    html.match(/<link rel="preload" href="([^"]+\.wasm)"/)?.[1],
  ];
  for (const [i, ext] of ['css', 'js', 'wasm'].entries()) {
    expect(names[i]).toMatch(new RegExp(`^/pkg/preau\\.[A-Za-z0-9_-]{8,}\\.${ext}$`));
    for (const [encoding, expected] of [['br', 'br'], ['gzip', 'gzip']]) {
      const res = await request.get(names[i]!, { headers: { 'Accept-Encoding': encoding } });
      expect(res.status()).toBe(200);
      expect(res.headers()['content-encoding']).toBe(expected);
      expect(res.headers()['cache-control']).toBe('public, max-age=31536000, immutable');
    }
  }
  // The unhashed names are gone: nothing can serve stale bytes under them.
  expect((await request.get('/pkg/preau.wasm')).status()).toBe(404);
});
