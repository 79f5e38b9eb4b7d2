// Préau's end-to-end tests: the release server on 127.0.0.1 with the demo school, driven in
// Debian's Chromium, hydrated and with JavaScript off, at phone and desktop sizes.
import { defineConfig } from '@playwright/test';

const port = process.env.PREAU_E2E_PORT ?? '3100';
const baseURL = `http://127.0.0.1:${port}`;

const chromium = {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
};

const phone = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true };
const desktop = { viewport: { width: 1280, height: 800 } };

export default defineConfig({
  testDir: './tests',
  outputDir: '../target/e2e/results',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  use: {
    baseURL,
    launchOptions: chromium,
    locale: 'fr-FR',
    trace: 'off',
  },
  projects: [
    { name: 'bureau', use: { ...desktop } },
    { name: 'telephone', use: { ...phone } },
    { name: 'bureau-sans-js', use: { ...desktop, javaScriptEnabled: false } },
    { name: 'telephone-sans-js', use: { ...phone, javaScriptEnabled: false } },
  ],
  webServer: {
    // scripts/test.sh builds the release server and site first, and sets the database.
    command: process.env.PREAU_BIN ?? '../target/release/preau',
    cwd: '.',
    url: `${baseURL}/healthz`,
    timeout: 120_000,
    reuseExistingServer: false,
    stdout: 'ignore',
    stderr: 'pipe',
    env: {
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      LEPTOS_SITE_ROOT: '../target/site',
      PREAU_DEMO: '1',
      PREAU_DEMO_PASSWORD: process.env.PREAU_DEMO_PASSWORD ?? 'cartable-violet-2026',
      DATABASE_URL: process.env.PREAU_E2E_DATABASE_URL ?? 'sqlite://../target/e2e/preau.db',
      RUST_LOG: 'warn',
    },
  },
});
