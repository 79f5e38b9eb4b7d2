// Self-paced quizzes: a student takes the demo quiz (run at a phone size as well as a desktop
// one, with and without JavaScript), finds the answers again after a reload, hands it in and
// reads the score and the correction.
import { expect } from '@playwright/test';
import { hydrated, login, open, watchErrors, test } from './helpers';

const QUIZ = 'Révisions — le passé simple';

test('un élève fait un quiz, le reprend après un rechargement et le rend', async ({ page }, testInfo) => {
  const errors = watchErrors(page);
  await login(page, testInfo, 'demo.eleve');
  await expect(page.getByRole('heading', { level: 1, name: /Bonjour/ })).toBeVisible();
  await page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Quiz', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Mes quiz' })).toBeVisible();
  const card = page.getByRole('article', { name: QUIZ });
  await expect(card).toContainText('7 questions');
  await card.getByRole('button', { name: /Commencer|Reprendre/ }).click();
  await expect(page.getByRole('heading', { level: 1, name: QUIZ })).toBeVisible();
  if (hydrated(testInfo)) {
    await expect(page.locator('body[data-hydrated]')).toHaveCount(1);
  }

  const question = (n: number) => page.getByRole('group', { name: new RegExp(`^Question ${n} sur 7`) });
  await question(1).getByLabel('troisième du pluriel').check();
  await question(2).getByLabel('il prit').check();
  await question(2).getByLabel('nous vînmes').check();
  await question(3).getByLabel('Vrai').check();
  await question(4).getByLabel('Votre réponse').fill('faire');
  await question(5).getByLabel('Votre réponse (un nombre)').fill('six');
  await question(6).getByLabel('je', { exact: true }).selectOption('allai');
  await question(6).getByLabel('tu', { exact: true }).selectOption('allas');
  await question(6).getByLabel('nous', { exact: true }).selectOption('allâmes');
  await question(7).getByRole('textbox').fill('Il était une fois un roi. Un matin, il partit à la chasse.');

  if (hydrated(testInfo)) {
    // Each question saves itself as it changes; a word where a number goes is refused there.
    await question(5).getByLabel('Votre réponse (un nombre)').press('Tab');
    await expect(question(5)).toContainText('« six » n\'est pas un nombre');
    await question(5).getByLabel('Votre réponse (un nombre)').fill('6');
    await question(5).getByLabel('Votre réponse (un nombre)').press('Tab');
    await expect(question(5)).toContainText(/Enregistré à \d\d:\d\d/);
    await question(7).getByRole('textbox').press('Tab');
    await expect(question(7)).toContainText(/Enregistré à/);
    await expect(question(4)).toContainText(/Enregistré à/);
    // Three lists changed in a row: "Enregistré" only once the last of them is saved.
    await expect(question(6)).toContainText(/Enregistré à/);
  } else {
    // Without JavaScript the form posts everything at once, all or nothing.
    await page.getByRole('button', { name: 'Enregistrer mes réponses' }).click();
    await expect(page.getByRole('alert')).toContainText("« six » n'est pas un nombre");
    await expect(page.getByRole('alert')).toContainText("Rien n'a été enregistré");
    await question(5).getByLabel('Votre réponse (un nombre)').fill('6');
    await question(4).getByLabel('Votre réponse').fill('faire');
    await question(1).getByLabel('troisième du pluriel').check();
    await question(2).getByLabel('il prit').check();
    await question(2).getByLabel('nous vînmes').check();
    await question(3).getByLabel('Vrai').check();
    await question(6).getByLabel('je', { exact: true }).selectOption('allai');
    await question(6).getByLabel('tu', { exact: true }).selectOption('allas');
    await question(6).getByLabel('nous', { exact: true }).selectOption('allâmes');
    await question(7).getByRole('textbox').fill('Il était une fois un roi. Un matin, il partit à la chasse.');
    await page.getByRole('button', { name: 'Enregistrer mes réponses' }).click();
  }
  await page.screenshot({ path: testInfo.outputPath('tentative.png'), fullPage: true });

  // A reload (or a dropped connection, or a closed tab) finds every answer where it was.
  await open(page, page.url(), testInfo);
  await expect(question(1).getByLabel('troisième du pluriel')).toBeChecked();
  await expect(question(2).getByLabel('nous vînmes')).toBeChecked();
  await expect(question(4).getByLabel('Votre réponse')).toHaveValue('faire');
  await expect(question(5).getByLabel('Votre réponse (un nombre)')).toHaveValue('6');
  await expect(question(6).getByLabel('nous', { exact: true })).toHaveValue('allâmes');
  await expect(question(7).getByRole('textbox')).toHaveValue(/partit à la chasse/);

  await page.getByRole('button', { name: 'Rendre le quiz' }).click();
  await expect(page.getByRole('heading', { name: 'Quiz rendu' })).toBeVisible();
  // Six right answers; the open one waits for the teacher.
  await expect(page.getByText('Score : 6 / 7 (provisoire')).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: 'Bonne réponse' })).toHaveCount(6);
  await expect(page.getByRole('status').filter({ hasText: 'À corriger par votre professeur' })).toHaveCount(1);
  await page.screenshot({ path: testInfo.outputPath('resultat.png'), fullPage: true });

  await page.getByRole('link', { name: 'Retour à mes quiz' }).click();
  await expect(card).toContainText('Meilleur score : 6 / 7');
  expect(errors.filter((e) => !e.includes('422'))).toEqual([]);
});
