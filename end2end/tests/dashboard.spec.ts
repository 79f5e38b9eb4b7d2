// Each role's first screen shows what matters to it today (issue 15, item 5): a family each
// child's latest marks, latest bulletin and work due; a student the same for themselves; a
// teacher the marks to enter and the copies to correct. With JavaScript and without.
import { expect } from '@playwright/test';
import { login, test } from './helpers';

test('la famille voit les dernières notes, le bulletin et le travail à rendre de chaque enfant', async ({ page }, testInfo) => {
  await login(page, testInfo, 'demo.parent');
  await expect(page).toHaveURL(/\/$/);
  const card = page.getByRole('listitem').filter({ has: page.getByRole('heading', { level: 3, name: 'Léo Garnier' }) });
  await expect(card.getByRole('heading', { level: 4, name: 'À faire' })).toBeVisible();
  await expect(card.getByRole('heading', { level: 4, name: /^Dernières notes/ })).toBeVisible();
  await expect(card.locator('h4:has-text("Dernières notes") + ul > li')).toHaveCount(5);
  await expect(card.getByRole('link', { name: 'Toutes les notes' })).toHaveAttribute('href', /^\/notes\?eleve=\d+$/);
  await card.getByRole('link', { name: /^Bulletin du trimestre \d$/ }).click();
  await expect(page).toHaveURL(/\/bulletin\?eleve=\d+&periode=\d+$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Léo Garnier' })).toBeVisible();
});

test("l'élève voit ce qu'il a à rendre et ses dernières notes", async ({ page }, testInfo) => {
  await login(page, testInfo, 'demo.eleve2');
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole('heading', { level: 2, name: 'À faire' })).toBeVisible();
  const recent = page.getByRole('region', { name: /^Dernières notes/ });
  await expect(recent.locator('ul > li')).toHaveCount(5);
  await recent.getByRole('link', { name: 'Toutes mes notes' }).click();
  await expect(page).toHaveURL(/\/notes$/);
});

test("l'enseignant voit les notes à saisir et les copies à corriger", async ({ page }, testInfo) => {
  await login(page, testInfo, 'demo.prof');
  await expect(page).toHaveURL(/\/$/);
  const todo = page.getByRole('region', { name: 'À faire' });
  await expect(todo.getByRole('heading', { level: 3, name: /^Notes à saisir/ })).toBeVisible();
  await expect(todo.getByRole('heading', { level: 3, name: 'Copies à corriger' })).toBeVisible();
  await expect(page.getByRole('heading', { level: 2, name: 'Mes classes' })).toBeVisible();
});
