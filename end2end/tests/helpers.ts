import { expect, type Page, type TestInfo } from '@playwright/test';

export const PASSWORD = process.env.PREAU_DEMO_PASSWORD ?? 'cartable-violet-2026';

/** Whether this project runs with JavaScript (the page hydrates) or without. */
export function hydrated(testInfo: TestInfo): boolean {
  return !testInfo.project.name.endsWith('sans-js');
}

/** Opens a page and, when JavaScript is on, waits until it is interactive. */
export async function open(page: Page, path: string, testInfo: TestInfo) {
  await page.goto(path);
  if (hydrated(testInfo)) {
    await expect(page.locator('body[data-hydrated]')).toHaveCount(1);
  }
}

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
