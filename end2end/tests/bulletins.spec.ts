// Bulletins: direction closes the first trimester (unless the demo school, created after it
// ended, has closed it already), a parent reads the bulletin (on a phone in the telephone
// projects), opens the calculation behind an average and downloads the PDF; direction then
// reopens the trimester if the test closed it, so the other tests find the demo as it was.
import { expect, type Page, type TestInfo } from '@playwright/test';
import { login, open, watchErrors, test } from './helpers';

async function switchTo(page: Page, testInfo: TestInfo, username: string) {
  await page.context().clearCookies();
  await login(page, testInfo, username);
  await expect(page.getByRole('heading', { level: 1, name: /Bonjour/ })).toBeVisible();
}

function term1(page: Page) {
  return page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: 'Trimestre 1' }) });
}

/** Closes or reopens the first trimester; returns whether it had to. */
async function setTerm1(page: Page, testInfo: TestInfo, close: boolean): Promise<boolean> {
  await open(page, '/bulletins', testInfo);
  const card = term1(page);
  const button = card.getByRole('button', {
    name: close ? 'Clôturer et publier les bulletins' : 'Rouvrir la période (retire les bulletins)',
  });
  if ((await button.count()) === 0) return false;
  await button.click();
  await expect(card.getByText(close ? /Clôturée le/ : /Ouverte/)).toBeVisible();
  return true;
}

test('un parent consulte le bulletin publié, ouvre un calcul et télécharge le PDF', async ({ page }, testInfo) => {
  const errors = watchErrors(page);
  await switchTo(page, testInfo, 'demo.direction');
  await page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Bulletins' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Bulletins et clôture des périodes' })).toBeVisible();
  let closedHere = false;
  try {
    closedHere = await setTerm1(page, testInfo, true);
    await expect(term1(page).getByText(/\d+ bulletins publiés/)).toBeVisible();

    await switchTo(page, testInfo, 'demo.parent');
    await page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Bulletins' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Léo Garnier' })).toBeVisible();
    // The family lands on the latest bulletin issued: later in the year, the second trimester's.
    const periods = page.getByLabel('Période');
    await periods.selectOption((await periods.locator('option', { hasText: 'Trimestre 1' }).getAttribute('value')) ?? '');
    await page.getByRole('button', { name: 'Afficher' }).click();
    const bulletin = page.getByRole('article', { name: /Bulletin · Trimestre 1/ });
    await expect(bulletin.getByText(/Bulletin publié le/)).toBeVisible();
    await expect(bulletin.getByRole('rowheader', { name: /Français/ })).toBeVisible();
    await expect(bulletin.getByText('Professeur principal : Claire Fontaine', { exact: false })).toBeVisible();
    await expect(page.getByRole('heading', { name: 'Évolution des moyennes' })).toBeVisible();
    await page.screenshot({ path: testInfo.outputPath('bulletin-parent.png'), fullPage: true });

    // The PDF: a plain link, with or without JavaScript.
    const download = page.waitForEvent('download');
    await bulletin.getByRole('link', { name: 'Télécharger le PDF' }).click();
    const file = await download;
    expect(file.suggestedFilename()).toBe('bulletin-trimestre-1-leo-garnier.pdf');

    // Every average can be explained.
    await bulletin.getByRole('link', { name: 'Détail des notes et des calculs' }).click();
    const french = page.getByRole('region', { name: 'Français' });
    await french.getByText('Voir le calcul').click();
    await expect(french.getByText(/^Moyenne = \(/)).toBeVisible();
    expect(errors).toEqual([]);
  } finally {
    if (closedHere) {
      await switchTo(page, testInfo, 'demo.direction');
      await setTerm1(page, testInfo, false);
    }
  }
});
