// CPSV-AP 3.2 conformance of the catalogue export, checked with a real SHACL engine.
//
// Runs the real binary on a throw-away SQLite database: `import data/`, then
// `export --format jsonld|ttl|csv`. Each RDF export is parsed into a dataset (JSON-LD: jsonld ->
// N-Quads -> n3; Turtle: n3) and validated with rdf-validate-shacl against SEMIC's shapes
// (tests/shacl/cpsv-ap-SHACL.ttl, see README.md there). Nothing is fetched from the network: the
// export has an inline @context and jsonld gets a document loader that throws.
//
//   node --test tests/shacl/            (from the repository root)
//
// Environment: AU_BINARY (default <repo>/build/accesso-unico). On a failure every violation is
// printed grouped by shape (AU_SHACL_MAX_PER_SHAPE, default 25, caps the lines per shape; 0 = all).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import jsonld from 'jsonld';
import { Parser } from 'n3';
import rdf from 'rdf-ext';
import SHACLValidator from 'rdf-validate-shacl';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..');
const binary = process.env.AU_BINARY || path.join(repoRoot, 'build', 'accesso-unico');
const shapesFile = path.join(here, 'cpsv-ap-SHACL.ttl');
const maxPerShape = Number(process.env.AU_SHACL_MAX_PER_SHAPE ?? 25);

const RDF_TYPE = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#type';
const PUBLIC_SERVICE = 'http://purl.org/vocab/cpsv#PublicService';
const SH = 'http://www.w3.org/ns/shacl#';

let tmp;
function run(args) {
  return execFileSync(binary, ['--database', `sqlite:${path.join(tmp, 'db')}`, ...args], {
    env: { ...process.env, AU_SEARCH_INDEX: path.join(tmp, 'index'), AU_SHARE_DIR: repoRoot },
    encoding: 'utf8',
    maxBuffer: 512 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 300_000,
  });
}

const parseTurtle = (text, format = 'text/turtle') => rdf.dataset(new Parser({ format }).parse(text));

// JSON-LD must be self-contained: any attempt to load a document (remote context) fails the test.
const noNetwork = async (url) => {
  throw new Error(`JSON-LD tried to load ${url}: the export must carry an inline @context`);
};
async function parseJsonLd(text) {
  const nquads = await jsonld.toRDF(JSON.parse(text), { format: 'application/n-quads', documentLoader: noNetwork });
  return parseTurtle(nquads, 'application/n-quads');
}

// Records in RFC 4180 CSV (quoted fields may contain newlines), header excluded.
function csvRecords(text) {
  let records = 0, quoted = false, fieldStart = true, any = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') i++;
      else if (c === '"') quoted = false;
    } else if (c === '"' && fieldStart) {
      quoted = true;
    } else if (c === '\n') {
      records++; any = false; fieldStart = true; continue;
    }
    any = true;
    fieldStart = c === ',';
  }
  return records + (any ? 1 : 0) - 1;
}

const subjectsOfType = (ds, type) =>
  new Set([...ds.match(null, rdf.namedNode(RDF_TYPE), rdf.namedNode(type))].map((q) => q.subject.value));

const nt = (q) => `${q.subject.value} ${q.predicate.value} ${q.object.termType === 'Literal'
  ? JSON.stringify(q.object.value) + '@' + q.object.language + '^^' + q.object.datatype.value : '<' + q.object.value + '>'}`;

let shapes, shapeNames;
async function validate(data) {
  const validator = new SHACLValidator(shapes); // its own default environment (clownface)
  return validator.validate(data);
}

// "PublicServiceShape › dct:identifier (MinCountConstraintComponent)" for a result's source shape.
function describeShape(r) {
  const src = r.sourceShape?.value ?? '?';
  const owner = shapeNames.get(src) ?? src.replace(/.*#/, '');
  const comp = r.sourceConstraintComponent?.value.replace(SH, '') ?? '';
  return `${owner} › ${r.path?.value ?? '(node)'} (${comp})`;
}

function report(label, rep) {
  const groups = new Map();
  for (const r of rep.results) {
    const key = describeShape(r);
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(r);
  }
  const lines = [`${label}: ${rep.results.length} violation(s) in ${groups.size} shape constraint(s)`];
  for (const [key, rs] of [...groups].sort((a, b) => b[1].length - a[1].length)) {
    lines.push(`  ${rs.length} × ${key}  [source shape ${rs[0].sourceShape?.value}]`);
    const shown = maxPerShape > 0 ? rs.slice(0, maxPerShape) : rs;
    for (const r of shown) {
      const msg = r.message.map((m) => m.value).join('; ') || r.sourceConstraintComponent?.value.replace(SH, '');
      lines.push(`      focus ${r.focusNode?.value}  path ${r.path?.value ?? '-'}  value ${r.value?.value ?? '-'}: ${msg}`);
    }
    if (shown.length < rs.length) lines.push(`      ... and ${rs.length - shown.length} more`);
  }
  return lines.join('\n');
}

describe('CPSV-AP 3.2 export', () => {
  const out = {};
  const ds = {};
  let services;

  before(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'au-shacl-'));
    run(['import', path.join(repoRoot, 'data')]);
    for (const f of ['jsonld', 'ttl', 'csv']) out[f] = run(['export', '--format', f]);
    services = csvRecords(out.csv);
    ds.jsonld = await parseJsonLd(out.jsonld);
    ds.ttl = parseTurtle(out.ttl);
    shapes = parseTurtle(readFileSync(shapesFile, 'utf8'));
    shapeNames = new Map();
    for (const q of shapes.match(null, rdf.namedNode(SH + 'property'), null))
      shapeNames.set(q.object.value, q.subject.value.replace(/.*#/, ''));
  });

  after(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  test('the CSV lists the services', () => {
    assert.ok(services > 0, 'no service in the CSV export');
  });

  for (const f of ['jsonld', 'ttl']) {
    test(`${f}: conforms to the SEMIC shapes with zero violations`, async () => {
      const rep = await validate(ds[f]);
      if (!rep.conforms) console.log(report(f, rep));
      assert.equal(rep.conforms, true, `${rep.results.length} SHACL violation(s) in the ${f} export (listed above)`);
    });

    test(`${f}: one cpsv:PublicService per service of the catalogue`, () => {
      assert.equal(subjectsOfType(ds[f], PUBLIC_SERVICE).size, services);
    });
  }

  test('JSON-LD and Turtle describe the same graph', () => {
    assert.ok(ds.ttl.size > 0);
    assert.equal(ds.jsonld.size, ds.ttl.size, 'triple counts differ');
    // No blank nodes are used, so the graphs are equal iff the triple sets are.
    const a = new Set([...ds.jsonld].map(nt)), b = new Set([...ds.ttl].map(nt));
    const onlyA = [...a].filter((t) => !b.has(t)), onlyB = [...b].filter((t) => !a.has(t));
    assert.deepEqual({ onlyInJsonLd: onlyA.slice(0, 10), onlyInTurtle: onlyB.slice(0, 10) },
      { onlyInJsonLd: [], onlyInTurtle: [] });
  });
});
