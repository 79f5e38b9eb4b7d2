// What the live-quiz tests share: a quiz made through the server functions, the teacher's
// launch and a student's join (each person in a browser context of their own: `helpers.person`).
import { expect, type Page, type TestInfo } from '@playwright/test';
import { hydrated, open } from './helpers';

const choice = (text: string, weight: number) => ({ text, weight, feedback: null });

/** A quiz of the logged-in teacher with two questions, made through the server functions. */
export async function makeQuiz(page: Page, title: string) {
  const origin = new URL(page.url()).origin;
  // Ids are 63-bit integers, beyond a JavaScript number's precision: they are kept as the
  // text the server wrote and put back into the JSON as written.
  const post = async (path: string, body: string) => {
    const res = await page.request.post(path, {
      data: body,
      headers: { Origin: origin, 'Content-Type': 'application/json' },
    });
    const text = await res.text();
    expect(res.ok(), `${path}: ${res.status()} ${text}`).toBeTruthy();
    return text.trim();
  };
  const quiz = await post('/api/quiz/creer', JSON.stringify({ title, description: '' }));
  const question = (text: string, kind: unknown) => ({
    title: text,
    category: null,
    text,
    points: 1,
    kind,
    general_feedback: null,
    image: null,
  });
  const save = (q: unknown) =>
    post('/api/quiz/question/enregistrer', `{"quiz": ${quiz}, "id": null, "question": ${JSON.stringify(q)}}`);
  await save(
    question('Quelle est la capitale de la France ?', {
      SingleChoice: { choices: [choice('Paris', 100), choice('Lyon', 0), choice('Marseille', 0)] },
    }),
  );
  await save(question('Le Rhin passe à Strasbourg.', { TrueFalse: { answer: true, feedback_true: null, feedback_false: null } }));
}

/** The teacher launches `title` from /quiz/direct; returns the join code on the screen. */
export async function launch(page: Page, testInfo: TestInfo, title: string) {
  await page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Quiz en direct' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Quiz en direct' })).toBeVisible();
  const card = page.getByRole('listitem').filter({ hasText: title });
  await card.getByLabel('Classement').check();
  await card.getByRole('button', { name: `Lancer « ${title} » en direct` }).click();
  await expect(page).toHaveURL(/\/quiz\/direct\/[A-Z2-9]{6}$/);
  if (hydrated(testInfo)) await expect(page.locator('body[data-hydrated]')).toHaveCount(1);
  const code = (await page.locator('.join-code').textContent())?.trim() ?? '';
  expect(code).toMatch(/^[A-Z2-9]{6}$/);
  await expect(page.getByText('/rejoindre', { exact: false }).first()).toBeVisible();
  return code;
}

export async function join(page: Page, testInfo: TestInfo, code: string) {
  await open(page, '/rejoindre', testInfo);
  await page.getByLabel('Code de la session').fill(code.toLowerCase());
  await page.getByRole('button', { name: 'Rejoindre' }).click();
  await expect(page).toHaveURL(new RegExp(`/rejoindre/${code}$`));
}

