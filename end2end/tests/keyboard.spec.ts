// The keyboard alone: taking a quiz, answering a live quiz on the phone screen, entering
// grades and writing in a pad, reached with Tab
// and worked with the keys a person would use, each focused control showing its focus.
// At desktop size (a keyboard user's screen), hydrated: checking where the focus is needs a
// script in the page. Without JavaScript the same server-rendered controls are plain HTML
// ones, which the browser makes keyboard-operable itself.
import { expect, type Locator, type Page, type TestInfo } from '@playwright/test';
import { login, open, person, test } from './helpers';
import { launch, makeQuiz } from './live';

const QUIZ = 'Révisions — le passé simple';

/** Whether the element has the focus, and shows it (an outline or a shadow). */
async function focusShown(target: Locator): Promise<'hidden' | 'shown' | 'elsewhere'> {
  return target.evaluate((el) => {
    if (el !== document.activeElement) return 'elsewhere';
    const s = getComputedStyle(el);
    const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
    return outline || s.boxShadow !== 'none' ? 'shown' : 'hidden';
  });
}

/** Presses Tab until `target` has the focus, then checks that the focus shows. */
async function tabTo(page: Page, target: Locator, max = 120) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const state = await focusShown(target);
    if (state === 'elsewhere') continue;
    expect(state, 'the focused control shows its focus').toBe('shown');
    return;
  }
  throw new Error(`Tab never reached ${target}`);
}

function desktopOnly(testInfo: TestInfo) {
  test.skip(testInfo.project.name !== 'bureau', 'keyboards are tested at desktop size, hydrated');
}

test('un élève fait le quiz au clavier seul', async ({ page }, testInfo) => {
  desktopOnly(testInfo);
  await login(page, testInfo, 'demo.eleve3');
  await expect(page.getByRole('heading', { level: 1, name: /Bonjour/ })).toBeVisible();
  await open(page, '/mes-quiz', testInfo);
  await tabTo(page, page.getByRole('article', { name: QUIZ }).getByRole('button', { name: /Commencer|Reprendre/ }));
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { level: 1, name: QUIZ })).toBeVisible();
  await expect(page.locator('body[data-hydrated]')).toHaveCount(1);

  const question = (n: number) => page.getByRole('group', { name: new RegExp(`^Question ${n} sur 7`) });
  // A single choice: Tab into the group, arrows move the choice (the options are shuffled).
  const right = question(1).getByLabel('troisième du pluriel');
  await tabTo(page, question(1).getByRole('radio').first());
  for (let i = 0; i < 3 && !(await right.isChecked()); i++) await page.keyboard.press('ArrowDown');
  await expect(right).toBeChecked();
  // Several choices: Space ticks the one focused.
  await tabTo(page, question(2).getByLabel('il prit'));
  await page.keyboard.press('Space');
  await expect(question(2).getByLabel('il prit')).toBeChecked();
  // A short answer: typed.
  await tabTo(page, question(4).getByLabel('Votre réponse'));
  await page.keyboard.type('faire');
  await page.keyboard.press('Tab');
  await expect(question(4)).toContainText(/Enregistré à/);
  await tabTo(page, page.getByRole('button', { name: 'Rendre le quiz' }));
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'Quiz rendu' })).toBeVisible();
  await expect(page.getByText(/^Score : [\d,]+ \/ 7/)).toBeVisible();
});

test('un enseignant atteint la grille de notes au clavier et saisit une note', async ({ page }, testInfo) => {
  desktopOnly(testInfo);
  const title = `Clavier ${testInfo.project.name}`;
  await login(page, testInfo, 'demo.prof');
  await expect(page.getByRole('heading', { level: 1, name: /Bonjour/ })).toBeVisible();
  await open(page, '/carnet-de-notes', testInfo);
  await tabTo(page, page.getByRole('link', { name: '4e C — Français' }));
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { level: 1, name: '4e C — Français' })).toBeVisible();
  await expect(page.locator('body[data-hydrated]')).toHaveCount(1);
  await page.getByLabel('Titre').fill(title);
  await page.getByRole('button', { name: "Créer l'évaluation" }).click();
  const cells = page.getByLabel(new RegExp(`, ${title} \\(sur 20\\)$`));
  await expect(cells).toHaveCount(25);
  await tabTo(page, cells.nth(0), 400);
  await page.keyboard.type('13');
  // Enter saves the cell and moves down the column, as in a spreadsheet.
  const saved = page.waitForResponse((r) => r.url().includes('/api/notes/saisir') && r.status() === 200);
  await page.keyboard.press('Enter');
  await saved;
  await expect(cells.nth(1)).toBeFocused();
  await open(page, page.url(), testInfo);
  await expect(cells.nth(0)).toHaveValue('13');
});

test('un élève écrit dans le pad au clavier seul', async ({ page }, testInfo) => {
  desktopOnly(testInfo);
  await login(page, testInfo, 'demo.eleve2');
  await expect(page.getByRole('heading', { level: 1, name: /Bonjour/ })).toBeVisible();
  await open(page, '/pads', testInfo);
  await tabTo(page, page.getByRole('link', { name: 'Sortie au musée — compte rendu', exact: true }).first());
  await page.keyboard.press('Enter');
  await expect(page.locator('body[data-hydrated]')).toHaveCount(1);
  await expect(page.getByRole('status')).toHaveText('Enregistré');
  const text = page.getByRole('textbox', { name: 'Texte du pad' });
  await tabTo(page, text);
  const tag = `Au clavier ${Date.now()}.`;
  await page.keyboard.press('Control+End');
  await page.keyboard.type(tag);
  await expect(page.getByRole('status')).toHaveText('Enregistré');
  // The toolbar's buttons are reached with Tab too.
  await tabTo(page, page.getByRole('button', { name: 'Gras', exact: true }));
  await page.keyboard.press('Enter');
  await expect(text).toHaveValue(/\*\*texte en gras\*\*/);
  await open(page, page.url(), testInfo);
  await expect(text).toHaveValue(new RegExp(tag.replace('.', '\\.')));
});

test("un élève rejoint un quiz en direct et y répond au clavier seul", async ({ browser }, testInfo) => {
  desktopOnly(testInfo);
  const title = `Direct clavier ${Date.now()}`;
  const teacher = await person(browser, testInfo, 'demo.prof');
  await makeQuiz(teacher.page, title);
  const code = await launch(teacher.page, testInfo, title);

  const student = await person(browser, testInfo, 'demo.eleve2');
  const page = student.page;
  await open(page, '/rejoindre', testInfo);
  await tabTo(page, page.getByLabel('Code de la session'));
  await page.keyboard.type(code);
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(new RegExp(`/rejoindre/${code}$`));
  await expect(page.getByText('Attendez que votre enseignant lance la première question.')).toBeVisible();

  await teacher.page.getByLabel('Minuteur').selectOption('0');
  await teacher.page.getByRole('button', { name: 'Lancer la première question' }).click();
  await expect(page.getByRole('heading', { name: 'Quelle est la capitale de la France ?' })).toBeVisible();
  // The answers are buttons: Tab to one, Enter sends it.
  await tabTo(page, page.getByRole('button', { name: 'Paris', exact: true }));
  await page.keyboard.press('Enter');
  await expect(page.getByText('Réponse envoyée')).toBeVisible();
  await expect(teacher.page.getByText('1 réponse sur 1')).toBeVisible();
  await teacher.page.getByRole('button', { name: 'Révéler la réponse' }).click();
  await expect(page.getByText('Bonne réponse ! +1 point')).toBeVisible();

  await teacher.page.getByRole('button', { name: 'Question suivante' }).click();
  await expect(page.getByRole('heading', { name: 'Le Rhin passe à Strasbourg.' })).toBeVisible();
  // Space works as well as Enter on a button.
  await tabTo(page, page.getByRole('button', { name: 'Vrai', exact: true }));
  await page.keyboard.press('Space');
  await expect(page.getByText('Réponse envoyée')).toBeVisible();
  await teacher.page.getByRole('button', { name: 'Révéler la réponse' }).click();
  await expect(page.getByText('Bonne réponse ! +1 point')).toBeVisible();
  teacher.page.once('dialog', (d) => d.accept());
  await teacher.page.getByRole('button', { name: 'Terminer la session' }).click();
  await expect(page.getByText('Votre score : 2 points')).toBeVisible();
  for (const p of [teacher, student]) {
    expect(p.errors).toEqual([]);
    await p.context.close();
  }
});
