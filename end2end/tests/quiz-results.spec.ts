// An assignment's results: a teacher gives a quiz (one choice question, one open question)
// to 4e C through the server functions, demo.eleve2 hands in an attempt; the teacher reads
// the distribution of the answers, refuses then gives points and a comment to the open
// answer, and the student then reads the final score with the comment. With JavaScript on
// and off, phone and desktop; the results page never scrolls sideways at 360 px.
import { expect, type Page, type TestInfo } from '@playwright/test';
import { hydrated, open, person, test } from './helpers';

/** Calls a JSON server function; ids (64-bit, beyond a JavaScript number) come back as text. */
async function post(page: Page, path: string, body: string): Promise<any> {
  const origin = new URL(page.url()).origin;
  const res = await page.request.post(path, { data: body, headers: { Origin: origin, 'Content-Type': 'application/json' } });
  const text = await res.text();
  expect(res.ok(), `${path}: ${res.status()} ${text}`).toBeTruthy();
  if (/^\d+$/.test(text.trim())) return text.trim();
  return JSON.parse(text.replace(/([:\[,]\s*)(\d{15,})/g, '$1"$2"'));
}

/** The teacher's quiz given to 4e C; returns the assignment's id. */
async function givenQuiz(page: Page, testInfo: TestInfo, title: string): Promise<string> {
  const quiz: string = await post(page, '/api/quiz/creer', JSON.stringify({ title, description: '' }));
  const question = (text: string, points: number, kind: unknown) =>
    JSON.stringify({ title: text, category: null, text, points, kind, general_feedback: null, image: null });
  const choice = (text: string, weight: number) => ({ text, weight, feedback: null });
  const save = (q: string) => post(page, '/api/quiz/question/enregistrer', `{"quiz": ${quiz}, "id": null, "question": ${q}}`);
  await save(question('Quelle est la capitale de la France ?', 1, {
    SingleChoice: { choices: [choice('Paris', 100), choice('Lyon', 0), choice('Marseille', 0)] },
  }));
  await save(question('Racontez une journée au passé simple.', 2, 'Open'));
  // The class's id, as the assignment form offers it ("c:ID").
  await open(page, `/quiz/${quiz}`, testInfo);
  const unit = await page.getByLabel('Classe ou groupe').locator('option', { hasText: /^4e C$/ }).first().getAttribute('value');
  const classId = (unit ?? '').replace(/^c:/, '');
  expect(classId).toMatch(/^\d+$/);
  const now = Date.now();
  const settings = JSON.stringify({
    opens_at: now - 60_000,
    closes_at: now + 3_600_000,
    time_limit_minutes: null,
    max_attempts: 1,
    shuffle_questions: false,
    shuffle_options: true,
    feedback: 'AtSubmission',
  });
  return post(page, '/api/quiz/donner', `{"quiz": ${quiz}, "unit": {"Class": ${classId}}, "settings": ${settings}}`);
}

/** The student answers Paris (wherever the shuffle put it) and writes the open answer. */
async function handIn(page: Page, assignment: string, essay: string): Promise<string> {
  const view = await post(page, '/api/quiz/tentative/commencer', `{"assignment": ${assignment}}`);
  for (const q of view.questions) {
    const kind = q.question.kind;
    const response = kind.SingleChoice ? { Choice: kind.SingleChoice.choices.indexOf('Paris') } : { Essay: essay };
    await post(page, '/api/quiz/tentative/repondre',
      `{"attempt": ${view.attempt}, "question": ${q.id}, "response": ${JSON.stringify(response)}, "check": false}`);
  }
  await post(page, '/api/quiz/tentative/rendre', `{"attempt": ${view.attempt}}`);
  return view.attempt;
}

async function noSidewaysScroll(page: Page) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, 'the page is wider than the screen').toBeLessThanOrEqual(0);
}

test('le professeur lit la répartition, corrige la réponse rédigée, l’élève voit sa note', async ({ browser }, testInfo) => {
  const title = `Bilan ${testInfo.project.name} ${Date.now()}`;
  const essay = `Ce jour-là, nous partîmes tôt (${testInfo.project.name}).`;
  const prof = await person(browser, testInfo, 'demo.prof');
  const assignment = await givenQuiz(prof.page, testInfo, title);
  const eleve = await person(browser, testInfo, 'demo.eleve2');
  const attempt = await handIn(eleve.page, assignment, essay);

  // The results: the student's status, and per question the distribution in words.
  await open(prof.page, `/quiz/resultats/${assignment}`, testInfo);
  await expect(prof.page.getByRole('heading', { level: 1, name: `Résultats — ${title}` })).toBeVisible();
  const students = prof.page.getByRole('region', { name: 'Élèves' });
  const row = students.getByRole('row').filter({ hasText: 'À corriger' });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText('1 / 3');
  const questions = prof.page.getByRole('region', { name: 'Par question' });
  const capital = questions.getByRole('listitem').filter({ hasText: '1. Quelle est la capitale' });
  await expect(capital.getByRole('listitem').filter({ hasText: 'Paris' })).toContainText('✓ bonne réponse');
  await expect(capital.getByRole('listitem').filter({ hasText: 'Paris' })).toContainText('1 sur 1 (100 %)');
  await expect(capital.getByRole('listitem').filter({ hasText: 'Lyon' })).toContainText('0 sur 1 (0 %)');
  await expect(questions).toContainText('0 corrigée(s), 1 en attente de correction');
  await noSidewaysScroll(prof.page);

  // Grading: a malformed mark is refused and named, then the right one saved.
  await prof.page.getByRole('link', { name: 'Corriger les réponses rédigées' }).click();
  await expect(prof.page.getByRole('heading', { level: 1, name: `Corriger — ${title}` })).toBeVisible();
  if (hydrated(testInfo)) await expect(prof.page.locator('body[data-hydrated]')).toHaveCount(1);
  await expect(prof.page.getByText(essay)).toBeVisible();
  await prof.page.getByLabel('Points (sur 2)').fill('beaucoup');
  await prof.page.getByRole('button', { name: 'Enregistrer les notes' }).click();
  await expect(prof.page.getByRole('alert')).toContainText("question 2 : Les points s'écrivent en chiffres");
  await expect(prof.page.getByRole('alert')).toContainText("Rien n'a été enregistré.");
  await prof.page.getByLabel('Points (sur 2)').fill('1,5');
  await prof.page.getByLabel('Commentaire (facultatif)').fill('Bons verbes, attention aux accords.');
  await prof.page.getByRole('button', { name: 'Enregistrer les notes' }).click();
  await expect(prof.page.getByRole('status')).toContainText('1 note(s) enregistrée(s).');
  await expect(prof.page.getByText('Corrigée : 1,5 / 2')).toBeVisible();
  await noSidewaysScroll(prof.page);

  // Final now: the results say so.
  await open(prof.page, `/quiz/resultats/${assignment}`, testInfo);
  await expect(students.getByRole('row').filter({ hasText: '2,5 / 3' })).toContainText('Rendu');
  await expect(questions).toContainText('1 corrigée(s), 0 en attente de correction');
  await noSidewaysScroll(prof.page);

  // The student reads the final score and the teacher's comment.
  await open(eleve.page, `/mes-quiz/tentative/${attempt}`, testInfo);
  await expect(eleve.page.getByText('Score : 2,5 / 3', { exact: true })).toBeVisible();
  await expect(eleve.page.getByText('Commentaire de votre professeur : Bons verbes, attention aux accords.')).toBeVisible();
  await expect(eleve.page.getByText('provisoire')).toHaveCount(0);
  await noSidewaysScroll(eleve.page);

  // The refused grading answers 422, which the browser logs: nothing else may appear.
  expect(prof.errors.filter((e) => !e.includes('422'))).toEqual([]);
  expect(eleve.errors).toEqual([]);
  await prof.context.close();
  await eleve.context.close();
});
