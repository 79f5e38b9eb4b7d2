import AxeBuilder from '@axe-core/playwright';
import { test as base, type Browser, type BrowserContext, expect, type Page, type TestInfo } from '@playwright/test';

export const PASSWORD = process.env.PREAU_DEMO_PASSWORD ?? 'cartable-violet-2026';

/** Whether this project runs with JavaScript (the page hydrates) or without. */
export function hydrated(testInfo: TestInfo): boolean {
  return !testInfo.project.name.endsWith('sans-js');
}

/** Opens a page and, when JavaScript is on, waits until it is interactive; then checks it
 * with axe-core (see `checkAccessibility`). */
export async function open(page: Page, path: string, testInfo: TestInfo) {
  await page.goto(path);
  if (hydrated(testInfo)) {
    await expect(page.locator('body[data-hydrated]')).toHaveCount(1);
  }
  await checkAccessibility(page, testInfo);
}

// What one worker has already checked (workers run one after another: see the config), by
// project, address and main heading: the same page seen again by another test is not
// analysed twice, and a page that reads differently for another role (the dashboard) is.
const checked = new Set<string>();

/** The WCAG 2.1 A and AA rules (RGAA 4.1 follows them), plus axe's best practices. */
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];

/**
 * Runs axe-core on the page as it stands and fails on any serious or critical violation,
 * naming the rule, the elements and the page. With JavaScript off, axe (a script) cannot run
 * in the page itself: the page as served is fetched again with the same cookies and analysed
 * in a page of its own that loads its styles but none of its scripts, so it is checked as
 * served before hydration.
 */
export async function checkAccessibility(page: Page, testInfo: TestInfo) {
  const url = new URL(page.url());
  if (url.protocol !== 'http:') return;
  const heading = (await page.locator('h1').first().textContent({ timeout: 1_000 }).catch(() => '')) ?? '';
  const key = `${testInfo.project.name} ${url.pathname}${url.search} ${heading.trim()}`;
  if (checked.has(key)) return;
  checked.add(key);
  let target = page;
  let scratch: BrowserContext | undefined;
  if (!hydrated(testInfo)) {
    const served = await page.context().request.get(url.href, { maxRedirects: 0 });
    const html = await served.text();
    const browser = page.context().browser();
    if (browser === null) throw new Error('no browser to check the page in');
    scratch = await browser.newContext({ viewport: page.viewportSize(), locale: 'fr-FR', javaScriptEnabled: true });
    target = await scratch.newPage();
    await target.route('**/*', (route) => {
      const asked = route.request().url();
      if (asked === url.href) return route.fulfill({ contentType: 'text/html; charset=utf-8', body: html });
      if (/\.(js|wasm)(\?|$)/.test(asked)) return route.abort();
      return route.continue();
    });
    await target.goto(url.href);
  }
  try {
    const results = await new AxeBuilder({ page: target }).withTags(AXE_TAGS).analyze();
    const blocking = results.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    expect(blocking, `axe-core on ${url.pathname}${url.search} (${testInfo.project.name})`).toEqual([]);
  } finally {
    await scratch?.close();
  }
}

/**
 * Préau's `test`: Playwright's, plus an axe-core check of the page each test ends on (a form
 * with its errors shown, a dialog open, a result page), which `open` does not reach.
 */
export const test = base.extend<{ axeAtEnd: void }>({
  axeAtEnd: [
    async ({ page }, use, testInfo) => {
      await use();
      if (testInfo.status === testInfo.expectedStatus && !page.isClosed()) {
        await checkAccessibility(page, testInfo);
      }
    },
    { auto: true },
  ],
});

export async function login(page: Page, testInfo: TestInfo, username: string, password = PASSWORD) {
  await open(page, '/connexion', testInfo);
  await page.getByLabel('Identifiant').fill(username);
  await page.getByLabel('Mot de passe').fill(password);
  await page.getByRole('button', { name: 'Se connecter' }).click();
}

/** Fails the test on any script error or refused resource (CSP, 404 on the wasm...). */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  return errors;
}

/** A new browser context (its own cookies) with the project's viewport, logged in. */
export async function person(browser: Browser, testInfo: TestInfo, username: string) {
  const { viewport, isMobile, hasTouch, javaScriptEnabled, baseURL, locale } = testInfo.project.use;
  const context = await browser.newContext({ viewport, isMobile, hasTouch, javaScriptEnabled, baseURL, locale });
  const page = await context.newPage();
  const errors = watchErrors(page);
  await login(page, testInfo, username);
  await expect(page.getByRole('heading', { level: 1, name: /Bonjour/ })).toBeVisible();
  return { context, page, errors };
}
