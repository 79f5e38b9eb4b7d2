// Collaborative pads: two people of 4e C (two browser contexts, their own cookies) type into
// the same pad and each sees the other's text, with their name in the presence list; a
// reload shows the merged text; one of them goes offline, keeps typing, comes back, and
// both end on the same text with nothing lost or doubled. A teacher creates a pad and locks
// it. Without JavaScript the pad reads, and says that editing needs JavaScript.
import { expect, type Page, type TestInfo } from '@playwright/test';
import { hydrated, login, open, person, watchErrors, test } from './helpers';

const DEMO_PAD = 'Sortie au musée — compte rendu';

/** Opens the pads page from the navigation, then the pad called `title`. */
async function openPad(page: Page, testInfo: TestInfo, title: string) {
  await page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Pads', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Pads' })).toBeVisible();
  await page.getByRole('link', { name: title, exact: true }).first().click();
  await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();
  if (hydrated(testInfo)) {
    await expect(page.locator('body[data-hydrated]')).toHaveCount(1);
  }
}

const text = (page: Page) => page.getByRole('textbox', { name: 'Texte du pad' });
const status = (page: Page) => page.getByRole('status');

/** Types at the end of the text, as a person would. */
async function typeAtEnd(page: Page, words: string) {
  const box = text(page);
  await box.click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type(words, { delay: 15 });
}

test('two students co-edit the class pad, reload, and merge after going offline', async ({ browser }, testInfo) => {
  test.skip(!hydrated(testInfo), 'editing needs JavaScript (the reading test below runs without it)');
  const leo = await person(browser, testInfo, 'demo.eleve');
  const lea = await person(browser, testInfo, 'demo.eleve2');
  await openPad(leo.page, testInfo, DEMO_PAD);
  await openPad(lea.page, testInfo, DEMO_PAD);
  for (const p of [leo.page, lea.page]) {
    await expect(status(p)).toHaveText('Enregistré');
    await expect(text(p)).toBeEditable();
  }
  // Each sees the other in the presence list.
  await expect(leo.page.getByRole('list', { name: 'Dans le pad' })).toContainText('Léa Duval');
  await expect(lea.page.getByRole('list', { name: 'Dans le pad' })).toContainText('Léo Garnier');

  const tag = `${testInfo.project.name}-${Date.now()}`;
  await typeAtEnd(leo.page, `Les gargouilles ${tag}. `);
  await expect(text(lea.page)).toHaveValue(new RegExp(`Les gargouilles ${tag}\\.`));
  await typeAtEnd(lea.page, `La rose du vitrail ${tag}.`);
  await expect(text(leo.page)).toHaveValue(new RegExp(`La rose du vitrail ${tag}\\.`));
  await expect(status(leo.page)).toHaveText('Enregistré');
  await expect(status(lea.page)).toHaveText('Enregistré');

  // A reload shows the merged text, from the server.
  await leo.page.reload();
  await expect(text(leo.page)).toHaveValue(new RegExp(`Les gargouilles ${tag}\\. La rose du vitrail ${tag}\\.`));
  await expect(leo.page.locator('body[data-hydrated]')).toHaveCount(1);
  await expect(status(leo.page)).toHaveText('Enregistré');

  // Léa goes offline and keeps writing; Léo writes meanwhile.
  await lea.context.setOffline(true);
  await expect(status(lea.page)).toContainText('Hors ligne');
  await typeAtEnd(lea.page, ` Hors ligne ${tag}.`);
  await expect(text(lea.page)).toHaveValue(new RegExp(`Hors ligne ${tag}\\.`));
  await typeAtEnd(leo.page, ` En ligne ${tag}.`);
  await expect(status(leo.page)).toHaveText('Enregistré');
  await expect(text(leo.page)).not.toHaveValue(new RegExp(`Hors ligne ${tag}`));
  // Back online: both merge, each sentence once.
  await lea.context.setOffline(false);
  for (const p of [leo.page, lea.page]) {
    await expect(text(p)).toHaveValue(new RegExp(`Hors ligne ${tag}\\.`));
    await expect(text(p)).toHaveValue(new RegExp(`En ligne ${tag}\\.`));
    await expect(status(p)).toHaveText('Enregistré');
  }
  const [a, b] = [await text(leo.page).inputValue(), await text(lea.page).inputValue()];
  expect(a).toBe(b);
  for (const sentence of [`Les gargouilles ${tag}.`, `Hors ligne ${tag}.`, `En ligne ${tag}.`]) {
    expect(a.split(sentence).length - 1, sentence).toBe(1);
  }

  // The toolbar inserts Markdown where the caret is.
  await text(lea.page).click();
  await lea.page.keyboard.press('Control+End');
  await lea.page.getByRole('button', { name: 'Gras', exact: true }).click();
  await expect(text(leo.page)).toHaveValue(/\*\*texte en gras\*\*$/);

  expect(leo.errors).toEqual([]);
  expect(lea.errors.filter((e) => !e.includes('ERR_INTERNET_DISCONNECTED'))).toEqual([]);
  await leo.context.close();
  await lea.context.close();
});

test('a teacher creates a pad and locks it; the student then only reads', async ({ browser }, testInfo) => {
  test.skip(!hydrated(testInfo), 'the same forms without JavaScript are covered by the reading test');
  const prof = await person(browser, testInfo, 'demo.prof');
  const title = `Pad ${testInfo.project.name} ${Date.now()}`;
  await prof.page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Pads', exact: true }).click();
  const section = prof.page.getByRole('region', { name: '4e C', exact: true });
  await section.getByText('Nouveau pad pour 4e C').click();
  await section.getByLabel('Titre').fill(title);
  await section.getByRole('button', { name: 'Créer le pad' }).click();
  await expect(prof.page.getByRole('heading', { level: 1, name: title })).toBeVisible();
  await expect(status(prof.page)).toHaveText('Enregistré');
  await typeAtEnd(prof.page, 'Consignes : écrivez une phrase chacun.');
  await expect(status(prof.page)).toHaveText('Enregistré');

  const leo = await person(browser, testInfo, 'demo.eleve');
  await openPad(leo.page, testInfo, title);
  await expect(text(leo.page)).toHaveValue('Consignes : écrivez une phrase chacun.');
  await expect(text(leo.page)).toBeEditable();

  await prof.page.getByLabel('Verrouiller le pad').check();
  await prof.page.getByRole('button', { name: "Enregistrer l'accès" }).click();
  await expect(prof.page.getByText('Ce pad est verrouillé')).toBeVisible();
  await leo.page.reload();
  await expect(leo.page.getByText('Ce pad est verrouillé')).toBeVisible();
  await expect(text(leo.page)).not.toBeEditable();
  expect(prof.errors).toEqual([]);
  expect(leo.errors).toEqual([]);
  await prof.context.close();
  await leo.context.close();
});

test('the pad reads without JavaScript and says editing needs it', async ({ page }, testInfo) => {
  const errors = watchErrors(page);
  await login(page, testInfo, 'demo.eleve');
  await openPad(page, testInfo, DEMO_PAD);
  await expect(text(page)).toHaveValue(/# Sortie au musée de l'Œuvre Notre-Dame/);
  if (!hydrated(testInfo)) {
    await expect(status(page)).toContainText('nécessite JavaScript');
    await expect(text(page)).not.toBeEditable();
  }
  // The list says when it was edited.
  await open(page, '/pads', testInfo);
  await expect(page.getByRole('listitem').filter({ hasText: DEMO_PAD })).toContainText('Modifié le');
  expect(errors).toEqual([]);
});
