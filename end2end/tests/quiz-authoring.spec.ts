// Quiz authoring: a teacher creates a quiz, writes a single-choice question with the form,
// imports GIFT (first with a mistake, shown with its line, then right), sees the questions
// with their answers, and gives the quiz to 4e C; writes a matching and a cloze question, then
// answers them in the student preview and checks each answer. With JavaScript on and off,
// phone and desktop.
import { expect } from '@playwright/test';
import { login, open, watchErrors, test } from './helpers';

test('un enseignant crée un quiz, écrit et importe des questions, puis le donne à sa classe', async ({ page }, testInfo) => {
  const errors = watchErrors(page);
  // The e2e database outlives a project: a title of its own for each run and project.
  const title = `Quiz ${testInfo.project.name} ${Date.now()}`;
  await login(page, testInfo, 'demo.prof');
  await expect(page.getByRole('heading', { level: 1, name: /Bonjour/ })).toBeVisible();
  await page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Quiz', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Mes quiz' })).toBeVisible();

  await page.getByLabel('Titre').fill(title);
  await page.getByLabel('Description (facultative)').fill('Révisions du chapitre 3');
  await page.getByRole('button', { name: 'Créer le quiz' }).click();
  await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Questions (0)' })).toBeVisible();
  const quizUrl = new URL(page.url()).pathname;
  await page.screenshot({ path: testInfo.outputPath('quiz-vide.png'), fullPage: true });

  // A single-choice question through the form.
  await page.getByRole('navigation', { name: 'Type de la nouvelle question' }).getByRole('link', { name: 'Choix unique' }).click();
  await expect(page.getByRole('heading', { name: 'Nouvelle question : Choix unique' })).toBeVisible();
  await page.getByLabel('Énoncé').fill('Quelle est la capitale de la France ?');
  await page.getByLabel('Points').fill('2');
  await page.getByLabel('Proposition 1', { exact: true }).fill('Lyon');
  await page.getByLabel('Proposition 2', { exact: true }).fill('Paris');
  await page.getByLabel('Proposition 3', { exact: true }).fill('Marseille');
  await page.getByLabel('Bonne réponse : proposition 2').check();
  await page.screenshot({ path: testInfo.outputPath('question-formulaire.png'), fullPage: true });
  await page.getByRole('button', { name: 'Enregistrer la question' }).click();
  await expect(page.getByRole('heading', { name: 'Questions (1)' })).toBeVisible();
  const first = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: 'Question 1' }) });
  await expect(first).toContainText('Quelle est la capitale de la France ?');
  await expect(first).toContainText('2 pts');
  await expect(first.locator('.answer.right')).toHaveText(/Paris/);

  // GIFT with a mistake: nothing imported, the line shown.
  const gift = page.getByLabel(/Collez des questions au format GIFT/);
  await gift.fill('::Un:: Deux et deux ? {=4 ~5}\n\n::Deux:: Trois et trois ? {=6 ~7\n');
  await page.getByRole('button', { name: 'Importer' }).click();
  await expect(page.getByRole('alert').filter({ hasText: "Rien n'a été importé" })).toContainText('Ligne 3 :');
  await expect(page.getByRole('heading', { name: 'Questions (1)' })).toBeVisible();

  // Then right.
  await page.getByLabel(/Collez des questions au format GIFT/).fill('::Un:: Deux et deux ? {=4 ~5}\n\n::Deux:: La Terre est ronde. {T}\n');
  await page.getByRole('button', { name: 'Importer' }).click();
  await expect(page.getByRole('heading', { name: 'Questions (3)' })).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: 'Import terminé : 2 questions ajoutées.' })).toBeVisible();
  const questions = page.locator('.question-list > li');
  await expect(questions).toHaveCount(3);
  await expect(questions.nth(1)).toContainText('Deux et deux ?');
  await expect(questions.nth(2)).toContainText('Vrai ou faux');
  await expect(page.getByRole('link', { name: 'Télécharger le quiz (GIFT)' })).toHaveAttribute('href', `${quizUrl}/export.gift`);

  // Given to 4e C: it appears among the assignments, with a link to the results.
  await page.getByLabel('Classe ou groupe').selectOption({ label: '4e C' });
  await page.getByLabel('Mélanger les propositions').check();
  await page.screenshot({ path: testInfo.outputPath('quiz-questions.png'), fullPage: true });
  await page.getByRole('button', { name: 'Donner le quiz' }).click();
  const given = page.getByRole('region', { name: 'Devoirs donnés' });
  await expect(given).toContainText('4e C');
  await expect(given).toContainText('0 rendu sur 25 élèves');
  await given.getByRole('link', { name: 'Résultats de 4e C' }).click();
  await expect(page.getByRole('heading', { level: 1, name: `Résultats — ${title}` })).toBeVisible();
  await expect(page.getByRole('row', { name: /Garnier Léo/ })).toContainText('Non commencé');
  await expect(page.getByRole('link', { name: 'Exporter en CSV' })).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('resultats.png'), fullPage: true });

  // Deleting asks first, and works as a plain link and form too.
  await open(page, quizUrl, testInfo);
  await page.getByRole('link', { name: 'Supprimer la question 3' }).click();
  await expect(page.getByRole('alertdialog')).toContainText('Supprimer la question 3 ?');
  await page.getByRole('button', { name: 'Confirmer la suppression' }).click();
  await expect(page.getByRole('heading', { name: 'Questions (2)' })).toBeVisible();
  expect(errors.filter((e) => !e.includes('422'))).toEqual([]);
});

test('un enseignant écrit un appariement et un texte à trous, puis les essaie en aperçu élève', async ({ page }, testInfo) => {
  const errors = watchErrors(page);
  const title = `Aperçu ${testInfo.project.name} ${Date.now()}`;
  await login(page, testInfo, 'demo.prof');
  await expect(page.getByRole('heading', { level: 1, name: /Bonjour/ })).toBeVisible();
  await open(page, '/quiz', testInfo);
  await page.getByLabel('Titre').fill(title);
  await page.getByRole('button', { name: 'Créer le quiz' }).click();
  await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();
  const types = page.getByRole('navigation', { name: 'Type de la nouvelle question' });

  // Matching: one row per pair.
  await types.getByRole('link', { name: 'Appariement' }).click();
  await expect(page.getByRole('heading', { name: 'Nouvelle question : Appariement' })).toBeVisible();
  await page.getByLabel('Énoncé').fill('Associez chaque pays à sa capitale.');
  await page.getByLabel('Points').fill('2');
  await page.getByLabel('Élément 1', { exact: true }).fill('France');
  await page.getByLabel('correspond à (paire 1)').fill('Paris');
  await page.getByLabel('Élément 2', { exact: true }).fill('Italie');
  await page.getByLabel('correspond à (paire 2)').fill('Rome');
  await page.getByRole('button', { name: 'Enregistrer la question' }).click();
  await expect(page.getByRole('heading', { name: 'Questions (1)' })).toBeVisible();
  await expect(page.locator('.question-list > li').first()).toContainText('France → Paris');

  // Cloze: the text with [1], [2] where the blanks go, one line per blank. A marker without
  // its line first: refused, saying which.
  await types.getByRole('link', { name: 'Texte à trous' }).click();
  await expect(page.getByRole('heading', { name: 'Nouvelle question : Texte à trous' })).toBeVisible();
  const writeCloze = async (text: string) => {
    await page.getByLabel(/^Texte à trous : écrivez \[1\]/).fill(text);
    await page.getByLabel('Bonne(s) réponse(s) du trou [1]').fill('Rhin');
    await page.getByRole('combobox', { name: /^Trou \[2\]/ }).selectOption({ label: 'Liste de choix' });
    await page.getByLabel('Bonne(s) réponse(s) du trou [2]').fill('mer du Nord');
    await page.getByLabel('Liste proposée (liste de choix) du trou [2]').fill('Manche ; mer du Nord');
  };
  await writeCloze('Le [1] se jette dans la [3].');
  await page.screenshot({ path: testInfo.outputPath('texte-a-trous.png'), fullPage: true });
  await page.getByRole('button', { name: 'Enregistrer la question' }).click();
  await expect(page.getByRole('alert').filter({ hasText: "Le trou [3] n'a pas de bonne réponse" })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Questions (1)' })).toBeVisible();
  await writeCloze('Le [1] se jette dans la [2].');
  await page.getByRole('button', { name: 'Enregistrer la question' }).click();
  await expect(page.getByRole('heading', { name: 'Questions (2)' })).toBeVisible();
  await expect(page.locator('.question-list > li').nth(1)).toContainText('Texte à trous');

  // The preview: as a student sees it; checking gives the student's correction.
  await page.getByRole('link', { name: 'Aperçu élève' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Aperçu élève' })).toBeVisible();
  const first = page.getByRole('group', { name: /^Question 1 sur 2/ });
  await first.getByLabel('France', { exact: true }).selectOption('Paris');
  await first.getByLabel('Italie', { exact: true }).selectOption('Rome');
  await first.getByRole('button', { name: 'Vérifier ma réponse' }).click();
  await expect(page.getByRole('group', { name: /^Question 1 sur 2/ }).getByRole('status')).toContainText('Bonne réponse');
  const second = page.getByRole('group', { name: /^Question 2 sur 2/ });
  await second.getByLabel('Trou 1', { exact: true }).fill('rhin');
  await second.getByLabel('Trou 2', { exact: true }).selectOption('Manche');
  await second.getByRole('button', { name: 'Vérifier ma réponse' }).click();
  const corrected = page.getByRole('group', { name: /^Question 2 sur 2/ }).getByRole('status');
  await expect(corrected).toContainText('Réponse en partie juste');
  await expect(corrected).toContainText('Réponse attendue : Rhin ; mer du Nord');
  // What was typed stays, and the first question's correction with it.
  await expect(page.getByRole('group', { name: /^Question 2 sur 2/ }).getByLabel('Trou 1', { exact: true })).toHaveValue('rhin');
  await page.screenshot({ path: testInfo.outputPath('apercu-eleve.png'), fullPage: true });
  await page.getByRole('link', { name: 'Retour au quiz' }).click();
  await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();
  expect(errors.filter((e) => !e.includes('422'))).toEqual([]);
});

test("un élève n'a pas accès aux quiz des enseignants", async ({ page }, testInfo) => {
  await login(page, testInfo, 'demo.eleve');
  await expect(page.getByRole('heading', { level: 1, name: /Bonjour/ })).toBeVisible();
  // A student's "Quiz" link goes to their own quizzes, never to the teachers' pages.
  await expect(page.getByRole('navigation', { name: 'Navigation principale' }).locator('a[href="/quiz"]')).toHaveCount(0);
  await open(page, '/quiz', testInfo);
  await expect(page.getByRole('alert')).toContainText("Vous n'avez pas accès à cette page.");
  await expect(page.getByRole('button', { name: 'Créer le quiz' })).toHaveCount(0);
  // Nor to a quiz's student preview.
  await open(page, '/quiz/1/apercu', testInfo);
  await expect(page.getByRole('alert')).toBeVisible();
  await expect(page.getByRole('heading', { level: 1, name: 'Aperçu élève' })).toHaveCount(0);
});
