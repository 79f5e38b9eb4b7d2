// Logging in and out for every demo role, wrong passwords, and the way back to the page asked for.
import { expect } from '@playwright/test';
import { PASSWORD, hydrated, login, open, watchErrors, test } from './helpers';

const roles: Array<[string, string, string]> = [
  ['demo.eleve', 'Bonjour Léo', 'Ma classe'],
  ['demo.parent', 'Bonjour Sandrine', 'Mes enfants'],
  ['demo.prof', 'Bonjour Claire', 'Mes classes'],
  ['demo.viesco', 'Bonjour Nathalie', 'Mon établissement'],
  ['demo.direction', 'Bonjour François', 'Mon établissement'],
  ['demo.admin', 'Bonjour Isabelle', 'Mon établissement'],
];

for (const [username, greeting, section] of roles) {
  test(`${username} se connecte, voit son tableau de bord et se déconnecte`, async ({ page }, testInfo) => {
    const errors = watchErrors(page);
    await login(page, testInfo, username);
    await expect(page).toHaveURL(/\/$/);
    await expect(page.getByRole('heading', { level: 1, name: greeting })).toBeVisible();
    await expect(page.getByRole('heading', { level: 2, name: section })).toBeVisible();
    await page.screenshot({ path: testInfo.outputPath(`${username}.png`), fullPage: true });
    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    await expect(page).toHaveURL(/\/connexion/);
    await expect(page.getByRole('button', { name: 'Se connecter' })).toBeVisible();
    await page.goto('/');
    await expect(page).toHaveURL(/\/connexion/);
    expect(errors).toEqual([]);
  });
}

test('un mauvais mot de passe est refusé en français', async ({ page }, testInfo) => {
  const errors = watchErrors(page);
  await login(page, testInfo, 'demo.eleve', 'ce-nest-pas-le-bon');
  await expect(page.getByRole('alert')).toContainText('Identifiant ou mot de passe incorrect');
  await expect(page.getByRole('button', { name: 'Se connecter' })).toBeVisible();
  expect(errors.filter((e) => !e.includes('401'))).toEqual([]);
});

test("après connexion, on revient à la page demandée", async ({ page }, testInfo) => {
  await page.goto('/journal');
  await expect(page).toHaveURL(/\/connexion\?suivant=\/journal/);
  if (hydrated(testInfo)) await expect(page.locator('body[data-hydrated]')).toHaveCount(1);
  await page.getByLabel('Identifiant').fill('demo.direction');
  await page.getByLabel('Mot de passe').fill(PASSWORD);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await expect(page).toHaveURL(/\/journal$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Journal des accès' })).toBeVisible();
});

// Issue 14, item 1: a `suivant` target that a browser would strip or rewrite into another
// site (tab, newline, backslashes, encoded slashes or scheme) leads to the dashboard of Préau
// itself, with JavaScript (the server function's redirect) and without (the form's 302).
const hostileTargets = [
  '/\t/evil.example/',
  '/\n/evil.example/',
  '/%09/evil.example/',
  '/\\evil.example/',
  '/\\\\evil.example/',
  '/%2Fevil.example/',
  'javascript:alert(1)',
  '%6Aavascript:alert(1)',
];

test("une adresse de retour qui mène ailleurs ramène au tableau de bord de Préau", async ({ page }, testInfo) => {
  const errors = watchErrors(page);
  const origin = new URL(testInfo.project.use.baseURL ?? 'http://127.0.0.1:3100').origin;
  for (const target of hostileTargets) {
    await page.context().clearCookies();
    await open(page, `/connexion?suivant=${encodeURIComponent(target)}`, testInfo);
    await page.getByLabel('Identifiant').fill('demo.eleve');
    await page.getByLabel('Mot de passe').fill(PASSWORD);
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Bonjour Léo' })).toBeVisible();
    const landed = new URL(page.url());
    expect(`${landed.origin}${landed.pathname}`, JSON.stringify(target)).toBe(`${origin}/`);
  }
  expect(errors).toEqual([]);
});

test('un enseignant ouvre une de ses classes et voit la liste des élèves', async ({ page }, testInfo) => {
  await login(page, testInfo, 'demo.prof');
  await page.getByRole('link', { name: '4e C' }).first().click();
  await expect(page.getByRole('heading', { level: 1, name: /4e C/ })).toBeVisible();
  await expect(page.getByRole('link', { name: /GARNIER/ }).first()).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('classe.png'), fullPage: true });
});

test("une page inconnue dit qu'elle n'existe pas", async ({ page }, testInfo) => {
  const res = await page.goto('/nulle-part');
  expect(res?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'Page introuvable' })).toBeVisible();
});

test("l'administrateur vérifie puis importe un fichier d'élèves", async ({ page }, testInfo) => {
  test.skip(!hydrated(testInfo), "l'aperçu de l'import s'affiche avec JavaScript (la page le dit)");
  await login(page, testInfo, 'demo.admin');
  await open(page, '/admin/import', testInfo);
  const suffix = testInfo.project.name.replace(/[^a-z]/g, '');
  await page.getByLabel('Type de fichier').selectOption('eleves');
  await page.getByLabel('Contenu du fichier').fill(`nom;prenom;classe\nSchwartz${suffix};Mila;3e Test\nSchwartz${suffix};Noé;\n`);
  await page.getByRole('button', { name: 'Vérifier' }).click();
  await expect(page.getByRole('alert')).toContainText("rien n'a été importé");
  await expect(page.getByRole('alert')).toContainText('3');
  await page.getByLabel('Contenu du fichier').fill(`nom;prenom;classe\nSchwartz${suffix};Mila;3e Test\nSchwartz${suffix};Noé;3e Test\n`);
  await page.getByRole('button', { name: 'Vérifier' }).click();
  await expect(page.getByRole('status')).toContainText('Aperçu');
  await expect(page.getByRole('status')).toContainText('2 compte(s)');
  await page.getByRole('button', { name: 'Importer' }).click();
  await expect(page.getByRole('status')).toContainText('Import terminé');
  await page.screenshot({ path: testInfo.outputPath('import.png'), fullPage: true });
});

test("l'administrateur renomme une matière, avec ou sans JavaScript", async ({ page }, testInfo) => {
  await login(page, testInfo, 'demo.admin');
  await open(page, '/admin', testInfo);
  const name = `Arts plastiques ${testInfo.project.name}`;
  const item = page.getByRole('listitem').filter({ hasText: /^Arts plastiques/ }).first();
  await item.getByText('Renommer').click();
  await item.getByLabel('Nom').fill(name);
  await item.getByRole('button', { name: 'Enregistrer' }).click();
  await expect(page.getByRole('listitem').filter({ hasText: name }).first()).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('admin.png'), fullPage: true });
});
