// The fiscal code comes from the https://attributes.eid.gov.it/fiscal_number claim ("TINIT-"
// removed) and must be a valid personal code: a person whose claim is missing or invalid cannot
// log in. The SPID level comes from acr. Provider with its own people, own process.
//
//   node --test tests/identity/login-invalid-claims.test.mjs
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startPortalWithLogin, stopPortalWithLogin } from '../support/portal-login.mjs';
import { assertErrorPage, login, loginOk, me } from './login-helpers.mjs';

const L1 = 'https://www.spid.gov.it/SpidL1';
const L3 = 'https://www.spid.gov.it/SpidL3';
const person = (id, fields) => ({
  id,
  label: `Persona di prova ${id}`,
  given_name: 'Anna',
  family_name: 'Prova',
  email: `${id}@example.org`,
  acr: 'https://www.spid.gov.it/SpidL2',
  roles: [],
  ...fields,
});

// RSSMRA85C52G478I is valid (data/demo/people.json): the same code with another check
// character is not.
const people = [
  person('valida-l3', { fiscal_number: 'TINIT-RSSMRA85C52G478I', acr: L3, given_name: 'Maria', family_name: 'Rossi' }),
  person('valida-l1', { fiscal_number: 'TINIT-BNCGNN70L04D653N', acr: L1, given_name: 'Giovanni', family_name: 'Bianchi' }),
  person('controllo-errato', { fiscal_number: 'TINIT-RSSMRA85C52G478X' }),
  person('senza-codice', {}),
  person('codice-vuoto', { fiscal_number: '' }),
  person('solo-prefisso', { fiscal_number: 'TINIT-' }),
  person('forma-errata', { fiscal_number: 'TINIT-NOTAFISCALCODE' }),
  person('partita-iva', { fiscal_number: 'TINIT-02876540549' }),
  person('numero', { fiscal_number: 12345 }),
  person('troppo-lungo', { fiscal_number: 'TINIT-RSSMRA85C52G478II' }),
];

let portal;

describe('fiscal-code and acr claims of the ID token', () => {
  before(async () => {
    ({ base: portal } = await startPortalWithLogin({ people }));
  }, { timeout: 240_000 });
  after(stopPortalWithLogin, { timeout: 60_000 });

  for (const [id, fiscalCode, acr] of [['valida-l3', 'RSSMRA85C52G478I', L3], ['valida-l1', 'BNCGNN70L04D653N', L1]]) {
    it(`accepts ${id}: fiscal code without TINIT-, SPID level from acr (control)`, async () => {
      const l = await loginOk(portal, id);
      const m = await me(portal, l.cookie);
      assert.equal(m.status, 200);
      assert.equal(m.body.fiscal_code, fiscalCode);
      assert.equal(m.body.spid_level, acr);
    });
  }

  for (const id of ['controllo-errato', 'senza-codice', 'codice-vuoto', 'solo-prefisso', 'forma-errata', 'partita-iva', 'numero', 'troppo-lungo']) {
    it(`refuses ${id}: 400, Italian page, no session`, async () => {
      const l = await login(portal, id);
      assertErrorPage(l.cb, 400, /Non è stato possibile verificare la tua identità/);
      assert.equal(l.cookie, null);
      assert.equal(l.cb.res.headers.get('location'), null);
    });
  }
});
