// Accessibility of every page a role can reach from its navigation and its dashboard, checked
// by axe-core (helpers.checkAccessibility, through `open`) in each project: 360 and 1280 px,
// hydrated and as served without JavaScript. Pages that only a scenario reaches (a quiz being
// taken, a live quiz, a pad being edited) are checked by their own tests through `open` and
// at each test's end.
import { expect, type Page, type TestInfo } from '@playwright/test';
import { checkAccessibility, login, open, PASSWORD, test } from './helpers';

const roles = ['demo.eleve', 'demo.parent', 'demo.prof', 'demo.viesco', 'demo.direction', 'demo.admin'];

/** Same-site page addresses among the links of `scope`, without downloads or logout. */
async function pageLinks(page: Page, scope: string): Promise<string[]> {
  const hrefs = await page.locator(`${scope} a[href^="/"]`).evaluateAll((links) =>
    links.map((a) => a.getAttribute('href') ?? ''),
  );
  return hrefs.filter((h) => !/\.(pdf|csv)$|\/export|\/telecharger|deconnexion/.test(h));
}

for (const username of roles) {
  test(`${username} : chaque page de la navigation et du tableau de bord passe axe-core`, async ({ page }, testInfo) => {
    test.setTimeout(180_000);
    await login(page, testInfo, username);
    await expect(page.getByRole('heading', { level: 1, name: /Bonjour/ })).toBeVisible();
    await checkAccessibility(page, testInfo);
    const nav = await pageLinks(page, 'nav[aria-label="Navigation principale"]');
    expect(nav.length, 'the navigation has links').toBeGreaterThan(0);
    // The dashboard's own links (a class, a child, a quiz...): the first few of each kind.
    const perKind = new Map<string, number>();
    const fromDashboard = (await pageLinks(page, 'main')).filter((h) => {
      const kind = h.split('/')[1] ?? '';
      const seen = perKind.get(kind) ?? 0;
      perKind.set(kind, seen + 1);
      return seen < 2;
    });
    const visited = new Set<string>();
    for (const href of [...nav, ...fromDashboard]) {
      if (visited.has(href)) continue;
      visited.add(href);
      await open(page, href, testInfo);
      await expect(page.getByRole('heading', { level: 1 }).first(), `h1 on ${href}`).toBeVisible();
    }
  });
}

test('la page de connexion, avec son erreur, passe axe-core', async ({ page }, testInfo) => {
  await login(page, testInfo, 'demo.eleve', `${PASSWORD}-faux`);
  await expect(page.getByRole('alert')).toContainText('Identifiant ou mot de passe incorrect');
  await checkAccessibility(page, testInfo);
});

test("une adresse inconnue passe axe-core", async ({ page }, testInfo: TestInfo) => {
  await login(page, testInfo, 'demo.eleve');
  await expect(page.getByRole('heading', { level: 1, name: /Bonjour/ })).toBeVisible();
  await open(page, '/cette-page-nexiste-pas', testInfo);
});
