// Grades: a teacher enters a column with the keyboard (or, without JavaScript, posts it), and
// a parent reads a child's grades on a phone and opens "Voir le calcul".
import { expect } from '@playwright/test';
import { hydrated, login, open, watchErrors, test } from './helpers';

test('un enseignant saisit une colonne de notes au clavier', async ({ page }, testInfo) => {
  const errors = watchErrors(page);
  const title = `Dictée ${testInfo.project.name}`;
  await login(page, testInfo, 'demo.prof');
  await expect(page.getByRole('heading', { level: 1, name: /Bonjour/ })).toBeVisible();
  await page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Carnet de notes' }).click();
  await page.getByRole('link', { name: '4e C — Français' }).click();
  await expect(page.getByRole('heading', { level: 1, name: '4e C — Français' })).toBeVisible();

  await page.getByLabel('Titre').fill(title);
  await page.getByRole('button', { name: "Créer l'évaluation" }).click();
  const cells = page.getByLabel(new RegExp(`, ${title} \\(sur 20\\)$`));
  await expect(cells).toHaveCount(25);

  if (hydrated(testInfo)) {
    await cells.nth(0).click();
    await page.keyboard.type('12');
    await page.keyboard.press('Enter');
    await expect(cells.nth(1)).toBeFocused();
    await page.keyboard.type('15.5');
    await page.keyboard.press('Enter');
    await expect(cells.nth(2)).toBeFocused();
    await page.keyboard.type('abs');
    await page.keyboard.press('Enter');
    await page.keyboard.type('25');
    await page.keyboard.press('Enter');
    await expect(page.getByRole('status').filter({ hasText: 'La note dépasse le barème' })).toBeVisible();
    await expect(cells.nth(3)).toHaveAttribute('aria-invalid', 'true');
    // Saved cells show the mark as it will be read back.
    await expect(cells.nth(1)).toHaveValue('15,5');
    await expect(cells.nth(2)).toHaveValue('Abs');
  } else {
    await cells.nth(0).fill('12');
    await cells.nth(1).fill('15.5');
    await cells.nth(2).fill('abs');
    await page.getByRole('button', { name: 'Enregistrer la colonne' }).last().click();
  }
  await page.screenshot({ path: testInfo.outputPath('grille.png'), fullPage: true });

  await page.reload();
  await expect(cells.nth(0)).toHaveValue('12');
  await expect(cells.nth(1)).toHaveValue('15,5');
  await expect(cells.nth(2)).toHaveValue('Abs');
  await expect(cells.nth(3)).toHaveValue('');
  expect(errors.filter((e) => !e.includes('422'))).toEqual([]);
});

test("un enseignant importe les notes d'une évaluation depuis un fichier CSV d'Excel", async ({ page }, testInfo) => {
  test.skip(!hydrated(testInfo), 'le choix de fichier apparaît avec JavaScript ; sans lui, on colle le contenu');
  const errors = watchErrors(page);
  const title = `Import ${testInfo.project.name}`;
  await login(page, testInfo, 'demo.prof');
  await expect(page.getByRole('heading', { level: 1, name: /Bonjour/ })).toBeVisible();
  await open(page, '/carnet-de-notes', testInfo);
  await page.getByRole('link', { name: '4e C — Français' }).click();
  await page.getByLabel('Titre').fill(title);
  await page.getByRole('button', { name: "Créer l'évaluation" }).click();
  const cells = page.getByLabel(new RegExp(`, ${title} \\(sur 20\\)$`));
  await expect(cells).toHaveCount(25);

  await page.getByText("Importer les notes d'une évaluation").click();
  const option = page.locator('select[name=evaluation] option', { hasText: title });
  await page.locator('select[name=evaluation]').selectOption((await option.getAttribute('value')) ?? '');
  // French Excel saves "CSV (séparateur : point-virgule)" in Windows-1252: "é" is one byte.
  const file = Buffer.from('Nom;Prénom;Note\r\nGARNIER;Léo;14,5\r\n', 'latin1');
  await page.getByLabel(/Ou choisissez un fichier CSV/).setInputFiles({ name: 'notes.csv', mimeType: 'text/csv', buffer: file });
  await expect(page.locator('#notes_csv')).toHaveValue(/GARNIER;Léo;14,5/);
  await page.getByRole('button', { name: 'Importer', exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Import terminé : 1 note(s)' })).toBeVisible();
  await page.reload();
  await expect(page.getByLabel(new RegExp(`^GARNIER Léo, ${title} \\(sur 20\\)$`))).toHaveValue('14,5');
  expect(errors).toEqual([]);
});

test("un parent consulte les notes de son enfant et ouvre le calcul d'une moyenne", async ({ page }, testInfo) => {
  const errors = watchErrors(page);
  await login(page, testInfo, 'demo.parent');
  await expect(page.getByRole('heading', { level: 1, name: /Bonjour/ })).toBeVisible();
  await page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Notes' }).click();
  // Children in alphabetical order, accents folded: Léo first.
  await expect(page.getByRole('heading', { level: 1, name: /Léo Garnier · 4e C/ })).toBeVisible();
  // The demo's grades are those of the first trimester, whatever today's period is.
  await page.getByLabel('Période').selectOption({ label: 'Trimestre 1' });
  await page.getByRole('button', { name: 'Afficher' }).click();
  await expect(page.getByRole('heading', { level: 2, name: /Moyenne générale/ })).toBeVisible();

  const french = page.getByRole('region', { name: 'Français' });
  await expect(french.getByText('Contrôle de mi-trimestre').first()).toBeVisible();
  await french.getByText('Voir le calcul').click();
  await expect(french.getByText(/^Moyenne = \(/)).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('notes-parent.png'), fullPage: true });

  // The other child, one tap away.
  await page.getByRole('navigation', { name: 'Enfants' }).getByRole('link', { name: /Lina/ }).click();
  await expect(page.getByRole('heading', { level: 1, name: /Lina Garnier/ })).toBeVisible();
  expect(errors).toEqual([]);
});
