// Quiz results to the grade book: demo.prof sends the demo quiz's results (given to 4e C) to
// the French grade book of 4e C from the results page, then finds the evaluation in "Carnet de
// notes". The e2e database outlives a project: the first project creates the evaluation, the
// next ones send again, which updates that same evaluation. JavaScript on and off, phone and
// desktop.
import { expect } from '@playwright/test';
import { login, open, watchErrors, test } from './helpers';

const QUIZ = 'Révisions — le passé simple';

test('un enseignant reporte les résultats du quiz de démonstration dans le carnet de notes', async ({ page }, testInfo) => {
  const errors = watchErrors(page);
  await login(page, testInfo, 'demo.prof');
  await expect(page.getByRole('heading', { level: 1, name: /Bonjour/ })).toBeVisible();
  await page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Quiz', exact: true }).click();
  await page.getByRole('link', { name: QUIZ, exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: QUIZ })).toBeVisible();
  await page.getByRole('region', { name: 'Devoirs donnés' }).getByRole('link', { name: 'Résultats de 4e C' }).first().click();
  await expect(page.getByRole('heading', { level: 1, name: `Résultats — ${QUIZ}` })).toBeVisible();
  const resultsUrl = new URL(page.url()).pathname;

  const panel = page.getByRole('region', { name: 'Reporter dans le carnet de notes' });
  await expect(panel).toBeVisible();
  const send = panel.getByRole('button', { name: 'Reporter dans le carnet de notes' });
  if ((await send.count()) > 0) {
    // The first send: French is the only subject demo.prof teaches in 4e C; the quiz's
    // title, /20 and coefficient 1 are proposed.
    await expect(panel.getByLabel('Matière').locator('option:checked')).toHaveText('Français');
    await expect(panel.getByLabel("Titre de l'évaluation")).toHaveValue(QUIZ);
    await expect(panel.getByLabel('Barème (sur)')).toHaveValue('20');
    await expect(panel.getByLabel('Coefficient')).toHaveValue('1');
    await page.screenshot({ path: testInfo.outputPath('report-formulaire.png'), fullPage: true });
    await send.click();
  } else {
    await panel.getByRole('button', { name: 'Mettre à jour le carnet de notes' }).click();
  }
  await expect(panel).toContainText('Reporté le');
  await expect(panel).toContainText(`dans le carnet de Français`);
  await expect(panel).toContainText('restent vides, jamais 0');
  await page.screenshot({ path: testInfo.outputPath('report-fait.png'), fullPage: true });

  // The grade book shows the evaluation, one cell per student of 4e C.
  await panel.getByRole('link', { name: 'Voir dans le carnet de notes' }).click();
  await expect(page.getByRole('heading', { level: 1, name: '4e C — Français' })).toBeVisible();
  await expect(page.getByLabel(new RegExp(`, ${QUIZ} \\(sur 20\\)$`))).toHaveCount(25);
  await open(page, '/carnet-de-notes', testInfo);
  await page.getByRole('link', { name: '4e C — Français' }).click();
  await expect(page.getByRole('heading', { level: 1, name: '4e C — Français' })).toBeVisible();
  await expect(page.getByLabel(new RegExp(`, ${QUIZ} \\(sur 20\\)$`))).toHaveCount(25);
  await page.screenshot({ path: testInfo.outputPath('carnet.png'), fullPage: true });

  // Sending again from the results page updates the same evaluation: still one column.
  await open(page, resultsUrl, testInfo);
  await page.getByRole('region', { name: 'Reporter dans le carnet de notes' }).getByRole('button', { name: 'Mettre à jour le carnet de notes' }).click();
  await expect(page.getByRole('region', { name: 'Reporter dans le carnet de notes' })).toContainText('Reporté le');
  await open(page, '/carnet-de-notes', testInfo);
  await page.getByRole('link', { name: '4e C — Français' }).click();
  await expect(page.getByLabel(new RegExp(`, ${QUIZ} \\(sur 20\\)$`))).toHaveCount(25);
  expect(errors).toEqual([]);
});
