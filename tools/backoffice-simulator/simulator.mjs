#!/usr/bin/env node
// Back-office simulator: plays an ente's back-office system (VBG-like, state codes of
// data/demo/backoffice/vbg-perugia-stati.json) against the interoperability API with real ModI
// signed requests.
//
//   node tools/backoffice-simulator/simulator.mjs init --dir var/backoffice --client demo-vbg-perugia
//       creates the client's key pair if missing (prints the JWKS path to register with
//       `accesso-unico backoffice register --keys ...`)
//   node tools/backoffice-simulator/simulator.mjs lifecycle --base http://127.0.0.1:8080 \
//       --client demo-vbg-perugia --key var/backoffice/demo-vbg-perugia.key.json \
//       --applicant RSSMRA85C52G478I [--service passo-carrabile] [--pause 0] [--reference REF]
//       [--steps N]  (only the first N steps: a practice still waiting for the applicant)
//       [--shift-days D] (every event D days later than the default timeline: a recent practice)
//       [--due-days N]   (the integration request's term, default 15 days)
//       opens a practice and pushes its life cycle: protocol, integration request, integration
//       received, preavviso di rigetto, observations, the final act and the conclusion. Event
//       times are spread over the last 45 days, so the legal deadline moves as L. 241/1990 says.
//       After every step it reads the practice back (logged: the citizen sees who looked).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { generateKey, saveKey, loadPrivateJwk, InteropClient, practiceEvent } from './modi-client.mjs';

function args(argv) {
  const out = { _: [] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i].startsWith('--')) out[argv[i].slice(2)] = argv[i + 1], i++;
    else out._.push(argv[i]);
  }
  return out;
}

let shiftDays = 0;  // --shift-days: the whole timeline moved towards today
const daysAgo = (n, hour = 10) => {
  const d = new Date();
  d.setUTCDate(d.getUTCDate() - Math.max(0, n - shiftDays));
  d.setUTCHours(hour, 0, 0, 0);
  return d;
};
const isoDate = (d) => d.toISOString().slice(0, 10);

/** The steps of a realistic life cycle, oldest first. */
export function lifecycleSteps(reference) {
  const r = reference;
  return [
    { label: 'Protocollata', type: 'protocollata', at: daysAgo(45),
      data: { protocol_number: `PG/${daysAgo(45).getUTCFullYear()}/${r.slice(-6)}`, protocol_date: isoDate(daysAgo(45)), status_code: 'PR', status_label: 'Protocollata' } },
    { label: 'Richiesta di integrazione', type: 'richiesta-integrazione', at: daysAgo(35),
      data: { request_id: 'INT-1', description: "Planimetria aggiornata dell'accesso carrabile con le misure del varco", due_days: 15, status_code: 'SI', status_label: 'Sospesa per integrazione' } },
    { label: 'Integrazione ricevuta', type: 'integrazione-ricevuta', at: daysAgo(27),
      data: { request_id: 'INT-1', status_code: 'IR', status_label: 'Integrazione ricevuta' } },
    { label: 'Preavviso di rigetto (art. 10-bis)', type: 'preavviso-rigetto', at: daysAgo(12),
      data: { request_id: 'PR-1', description: 'Il varco indicato non rispetta la distanza minima dall\'incrocio (art. 46 Reg. C.d.S.): puoi presentare osservazioni e documenti', status_code: 'PV', status_label: 'Preavviso di diniego' } },
    { label: 'Osservazioni ricevute', type: 'osservazioni-ricevute', at: daysAgo(6),
      data: { request_id: 'PR-1', status_code: 'OS', status_label: 'Osservazioni presentate' } },
    { label: 'Provvedimento', type: 'documento', at: daysAgo(1),
      data: { title: 'Autorizzazione al passo carrabile', url: 'https://www.comune.perugia.it/pagine/passi-carrabili', media_type: 'application/pdf' } },
    { label: 'Procedimento concluso', type: 'conclusa', at: daysAgo(1, 11),
      data: { esito: 'positivo', description: 'Autorizzazione rilasciata', status_code: 'CP', status_label: 'Chiusa positivamente' } },
  ];
}

async function lifecycle(o) {
  shiftDays = Number(o['shift-days'] || 0);
  const client = new InteropClient({ base: o.base, clientId: o.client, privateJwk: loadPrivateJwk(o.key) });
  const reference = o.reference || `VBG-${Date.now().toString().slice(-8)}`;
  const pause = Number(o.pause || 0);
  const opened = await client.open({
    service: o.service || 'passo-carrabile',
    reference,
    title: 'Autorizzazione passo carrabile - Via dei Priori 12',
    applicant: { id: o.applicant, name: o['applicant-name'] || '' },
    submitted_on: isoDate(daysAgo(46)),
    backoffice_url: `https://suape.comune.perugia.it/pratiche/${reference}`,
    status_code: 'AT',
    status_label: 'Presentata',
  });
  if (opened.status !== 201) throw new Error(`apertura rifiutata: ${opened.status} ${opened.text}`);
  const id = opened.json.id;
  console.log(`pratica aperta: ${id} (riferimento ${reference}), scadenza ${opened.json.due_date}`);
  const source = `urn:vbg:perugia:${o.client}`;
  let n = 0;
  const steps = lifecycleSteps(reference).slice(0, o.steps ? Number(o.steps) : undefined);
  if (o['due-days']) {
    for (const step of steps) if (step.type === 'richiesta-integrazione') step.data.due_days = Number(o['due-days']);
  }
  for (const step of steps) {
    if (pause) await new Promise((r) => setTimeout(r, pause));
    const ev = practiceEvent({ source, id: `${reference}-${++n}`, type: step.type, subject: reference,
      time: step.at.toISOString(), data: step.data });
    const res = await client.send(ev);
    if (res.status !== 200) throw new Error(`${step.label}: ${res.status} ${res.text}`);
    const back = await client.read(id, 'verifica dello stato dopo l\'invio (simulatore)');
    const d = back.json.deadline;
    console.log(`${step.label}: stato "${back.json.status.label}" (${back.json.backoffice_status.label}), ` +
      `scadenza ${d ? d.due : '-'}${d && d.suspended_now ? ' (termine sospeso)' : ''}`);
  }
  console.log(JSON.stringify({ practice_id: id, reference }));
}

async function main() {
  const o = args(process.argv.slice(2));
  const cmd = o._[0];
  if (cmd === 'init') {
    const dir = o.dir || 'var/backoffice';
    const name = o.client || 'demo-vbg-perugia';
    const keyFile = path.join(dir, `${name}.key.json`);
    if (!existsSync(keyFile)) saveKey(dir, name, generateKey(o.alg || 'ES256'));
    console.log(path.join(dir, `${name}.jwks.json`));
  } else if (cmd === 'lifecycle') {
    for (const k of ['base', 'client', 'key', 'applicant'])
      if (!o[k]) throw new Error(`manca --${k}`);
    await lifecycle(o);
  } else {
    console.error('uso: simulator.mjs init|lifecycle [opzioni] (vedi il commento in testa al file)');
    process.exit(2);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e) => { console.error('errore:', e.message); process.exit(1); });
}
