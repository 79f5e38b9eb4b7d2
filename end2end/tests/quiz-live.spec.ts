// Live quizzes: a teacher launches a quiz from /quiz/direct, three students of 4e C join it
// from /rejoindre on their own browsers, answer, one reloads and finds their seat; the
// teacher sees the histogram fill up, reveals, moves on, ends and reads the report. Without
// JavaScript, the launch and join forms still work and both screens say that the session
// itself needs JavaScript.
import { expect } from '@playwright/test';
import { hydrated, login, person, test } from './helpers';
import { join, launch, makeQuiz } from './live';

test('un quiz en direct avec trois élèves, du code au bilan', async ({ browser }, testInfo) => {
  test.skip(!hydrated(testInfo), 'the live session runs over a WebSocket: it needs JavaScript (checked below without it)');
  const title = `Quiz du jour ${testInfo.project.name} ${Date.now()}`;
  const teacher = await person(browser, testInfo, 'demo.prof');
  await makeQuiz(teacher.page, title);
  const code = await launch(teacher.page, testInfo, title);
  await expect(teacher.page.getByText('Aucun élève n\'a encore rejoint la session.')).toBeVisible();

  const students = [];
  for (const username of ['demo.eleve', 'demo.eleve2', 'demo.eleve3']) {
    const s = await person(browser, testInfo, username);
    await join(s.page, testInfo, code);
    await expect(s.page.getByText('Attendez que votre enseignant lance la première question.')).toBeVisible();
    students.push(s);
  }
  const [leo, lea, arthur] = students;
  await expect(teacher.page.getByText('3 élèves ont rejoint la session')).toBeVisible();
  await expect(teacher.page.getByText('Léo Garnier')).toBeVisible();

  // Question 1, no timer: two say Paris, one Lyon.
  await teacher.page.getByLabel('Minuteur').selectOption('0');
  await teacher.page.getByRole('button', { name: 'Lancer la première question' }).click();
  await expect(teacher.page.getByRole('heading', { name: 'Quelle est la capitale de la France ?' })).toBeVisible();
  await expect(teacher.page.getByText('0 réponse sur 3')).toBeVisible();
  for (const [s, pick] of [[leo, 'Paris'], [lea, 'Paris'], [arthur, 'Lyon']] as const) {
    await expect(s.page.getByRole('heading', { name: 'Quelle est la capitale de la France ?' })).toBeVisible();
    await s.page.getByRole('button', { name: pick, exact: true }).click();
    await expect(s.page.getByText('Réponse envoyée')).toBeVisible();
  }
  await expect(teacher.page.getByText('3 réponses sur 3')).toBeVisible();
  const bars = teacher.page.getByRole('list', { name: 'Répartition des réponses' }).getByRole('listitem');
  await expect(bars.filter({ hasText: 'Paris' })).toContainText('2 (67 %)');
  await expect(bars.filter({ hasText: 'Lyon' })).toContainText('1 (33 %)');
  await expect(bars.filter({ hasText: 'Marseille' })).toContainText('0 (0 %)');

  // Arthur reloads his phone: same seat, his answer still counted.
  await arthur.page.reload();
  await expect(arthur.page.locator('body[data-hydrated]')).toHaveCount(1);
  await expect(arthur.page.getByText('Réponse envoyée')).toBeVisible();
  await expect(teacher.page.getByText('3 élèves ont rejoint la session')).toBeVisible();

  await teacher.page.getByRole('button', { name: 'Révéler la réponse' }).click();
  await expect(bars.filter({ hasText: 'Paris' })).toContainText('bonne réponse');
  await expect(teacher.page.getByRole('heading', { name: 'Classement' })).toBeVisible();
  await expect(leo.page.getByText('Bonne réponse ! +1 point')).toBeVisible();
  await expect(lea.page.getByText('Bonne réponse ! +1 point')).toBeVisible();
  await expect(arthur.page.getByText("Ce n'est pas la bonne réponse.")).toBeVisible();
  await expect(arthur.page.getByText('Paris', { exact: true })).toBeVisible();

  // Question 2 (true/false), then the end.
  await teacher.page.getByRole('button', { name: 'Question suivante' }).click();
  await expect(teacher.page.getByRole('heading', { name: 'Le Rhin passe à Strasbourg.' })).toBeVisible();
  for (const [s, pick] of [[leo, 'Vrai'], [lea, 'Faux']] as const) {
    await s.page.getByRole('button', { name: pick, exact: true }).click();
    await expect(s.page.getByText('Réponse envoyée')).toBeVisible();
  }
  await expect(teacher.page.getByText('2 réponses sur 3')).toBeVisible();
  await teacher.page.getByRole('button', { name: 'Révéler la réponse' }).click();
  await expect(lea.page.getByText("Ce n'est pas la bonne réponse.")).toBeVisible();
  await expect(arthur.page.getByText("Vous n'avez pas répondu à cette question.")).toBeVisible();
  await expect(teacher.page.getByText("C'était la dernière question")).toBeVisible();
  teacher.page.once('dialog', (d) => d.accept());
  await teacher.page.getByRole('button', { name: 'Terminer la session' }).click();
  await expect(teacher.page.getByRole('heading', { name: 'Bilan par question' })).toBeVisible();
  // The join panel gives way to the report: the code leads nowhere any more.
  await expect(teacher.page.getByRole('heading', { name: 'Pour rejoindre' })).toHaveCount(0);
  const table = teacher.page.getByRole('table');
  await expect(table.getByRole('row')).toHaveCount(4);
  await expect(table.getByRole('row').nth(1)).toContainText('Léo Garnier');
  await expect(table.getByRole('row').nth(1)).toContainText('2');
  for (const s of students) await expect(s.page.getByText('La session est terminée')).toBeVisible();
  await expect(leo.page.getByText('Votre score : 2 points')).toBeVisible();

  // The report is on the server too: reloading shows it without the live part.
  await teacher.page.reload();
  await expect(teacher.page.getByText('Cette session est terminée. Voici son bilan.')).toBeVisible();
  await expect(teacher.page.getByRole('heading', { name: /Question 2 : Le Rhin/ })).toBeVisible();

  for (const p of [teacher, ...students]) {
    expect(p.errors).toEqual([]);
    await p.context.close();
  }
});

test('un code erroné est expliqué en français', async ({ page }, testInfo) => {
  await login(page, testInfo, 'demo.eleve');
  await expect(page.getByRole('heading', { level: 1, name: /Bonjour/ })).toBeVisible();
  await page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Rejoindre un quiz' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Rejoindre un quiz en direct' })).toBeVisible();
  await page.getByLabel('Code de la session').fill('ZZ ZZZZ');
  await page.getByRole('button', { name: 'Rejoindre' }).click();
  await expect(page.getByRole('alert')).toContainText('Aucune session en cours avec ce code');
  await page.getByLabel('Code de la session').fill('12');
  await page.getByRole('button', { name: 'Rejoindre' }).click();
  await expect(page.getByRole('alert')).toContainText('6 caractères');
});

test('sans JavaScript, le lancement et la saisie du code marchent et les écrans le disent', async ({ browser }, testInfo) => {
  test.skip(hydrated(testInfo), 'what a browser without JavaScript shows (with it, the live test above runs)');
  const title = `Quiz sans JS ${testInfo.project.name} ${Date.now()}`;
  const teacher = await person(browser, testInfo, 'demo.prof');
  // The quiz is made through the API (a JSON request, not the page's JavaScript).
  await makeQuiz(teacher.page, title);
  const code = await launch(teacher.page, testInfo, title);
  await expect(teacher.page.getByRole('alert')).toContainText('Animer la session demande JavaScript');
  await expect(teacher.page.getByText(code, { exact: true })).toBeVisible();

  const student = await person(browser, testInfo, 'demo.eleve');
  await join(student.page, testInfo, code);
  await expect(student.page.getByRole('heading', { level: 1, name: title })).toBeVisible();
  await expect(student.page.getByRole('alert')).toContainText('Pour répondre au quiz, activez JavaScript');
  for (const p of [teacher, student]) await p.context.close();
});
