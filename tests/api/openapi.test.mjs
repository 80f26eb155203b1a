// OpenAPI conformance test of the JSON API (/api/v1).
//
// Starts the real server on a throw-away SQLite database (the harness of the browser tests),
// fetches /api/v1/openapi.yaml from it and then, for EVERY operation in that document that needs
// no login (those that do, listed in identity-operations.mjs, are exercised by
// identity-openapi.test.mjs with a real OpenID provider; here only their description is checked):
//   - calls it with a concrete valid request (path parameters discovered from the API itself)
//     and with every documented query parameter, and validates status, Content-Type and body
//     against the documented response (Ajv, OpenAPI 3.0 schemas converted to JSON Schema);
//   - reports response members that the document does not describe;
//   - sends malformed requests (bad integers, out-of-range per_page, unknown/repeated
//     parameters, bad enum values, pattern and maxLength violations, invalid percent-encoding)
//     and non-existent path ids, expecting a documented 4xx application/problem+json (RFC 9457)
//     whose "status" equals the HTTP status.
// Every exercised response must have a documented status code, and the last test fails if an
// operation (or a documented status code of an operation) was never exercised.
//
//   cd /work/main && node --test tests/api/
//
// Environment: AU_BINARY (default build/accesso-unico), AU_BROWSER_DEBUG=1 echoes the server log.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import yaml from 'js-yaml';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { start, stop, baseUrl, serverOutput, repoRoot } from '../browser/harness.mjs';
import { IDENTITY_OPERATIONS, isIdentityOperation, securedOperationKeys } from './identity-operations.mjs';

const API_PREFIX = '/api/v1';
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const REQUEST_TIMEOUT_MS = 15_000;

let doc = null; // the parsed document served by the API
let docText = '';
let allOperations = []; // [{key, method, path, op, params}], every operation of the document
// The operations this file calls: all but those that need a login (identity-operations.mjs),
// which tests/api/identity-openapi.test.mjs exercises with a real OpenID provider.
let operations = [];
let ajv = null;
const validators = new Map();
const fx = {}; // real values discovered from the API: service slug, istat code, ...

// Coverage registry: operation key -> set of HTTP statuses it answered with (validated).
const exercised = new Map();

// ---------------------------------------------------------------------------------------------
// The document: $ref resolution and OpenAPI 3.0 schema -> JSON Schema (draft-07) conversion
// ---------------------------------------------------------------------------------------------

function pointer(ref) {
  assert.ok(typeof ref === 'string' && ref.startsWith('#/'), `only local $ref are supported, got ${ref}`);
  let node = doc;
  for (const raw of ref.slice(2).split('/')) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    assert.ok(node && typeof node === 'object' && part in node, `unresolvable $ref ${ref}`);
    node = node[part];
  }
  return node;
}

/** Follows $ref chains of document objects (parameters, responses, schemas). */
function deref(obj) {
  const seen = new Set();
  while (obj && typeof obj === 'object' && typeof obj.$ref === 'string') {
    assert.ok(!seen.has(obj.$ref), `circular $ref ${obj.$ref}`);
    seen.add(obj.$ref);
    obj = pointer(obj.$ref);
  }
  return obj;
}

const OAS_ID = 'openapi-components.json';

/**
 * OpenAPI 3.0 Schema Object -> JSON Schema: `nullable: true` becomes a "null" alternative,
 * boolean exclusiveMinimum/Maximum become numbers, $ref to components point into the schema
 * registered under OAS_ID. Walks only schema positions, so a property named "nullable" or
 * "$ref" is left alone.
 */
function toJsonSchema(s) {
  if (s === true || s === false || s === null || typeof s !== 'object') return s;
  if (typeof s.$ref === 'string') {
    assert.ok(s.$ref.startsWith('#/components/schemas/'), `schema $ref outside components/schemas: ${s.$ref}`);
    pointer(s.$ref); // must resolve
    return { $ref: OAS_ID + s.$ref }; // siblings of $ref are ignored in OpenAPI 3.0
  }
  const out = {};
  for (const [k, v] of Object.entries(s)) {
    switch (k) {
      case 'properties':
      case 'patternProperties':
        out[k] = Object.fromEntries(Object.entries(v).map(([name, sub]) => [name, toJsonSchema(sub)]));
        break;
      case 'items':
      case 'additionalProperties':
      case 'not':
        out[k] = toJsonSchema(v);
        break;
      case 'allOf':
      case 'anyOf':
      case 'oneOf':
        out[k] = v.map(toJsonSchema);
        break;
      case 'nullable':
      case 'discriminator':
      case 'xml':
      case 'externalDocs':
      case 'example':
      case 'deprecated':
        break;
      default:
        out[k] = v;
    }
  }
  if (s.exclusiveMinimum === true) {
    out.exclusiveMinimum = s.minimum;
    delete out.minimum;
  } else if (s.exclusiveMinimum === false) delete out.exclusiveMinimum;
  if (s.exclusiveMaximum === true) {
    out.exclusiveMaximum = s.maximum;
    delete out.maximum;
  } else if (s.exclusiveMaximum === false) delete out.exclusiveMaximum;
  if (s.nullable === true) {
    if (typeof out.type === 'string') {
      out.type = [out.type, 'null'];
      if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
    } else if (out.type === undefined) {
      return { anyOf: [out, { type: 'null' }] };
    }
  }
  return out;
}

function buildAjv() {
  const a = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  addFormats(a);
  const schemas = doc.components?.schemas ?? {};
  a.addSchema({
    $id: OAS_ID,
    components: { schemas: Object.fromEntries(Object.entries(schemas).map(([n, s]) => [n, toJsonSchema(s)])) },
  });
  return a;
}

function validatorFor(id, schema) {
  if (!validators.has(id)) validators.set(id, ajv.compile(toJsonSchema(schema)));
  return validators.get(id);
}

function ajvErrors(validate) {
  return (validate.errors ?? [])
    .slice(0, 8)
    .map((e) => `  ${e.instancePath || '/'} ${e.message}${e.params ? ' ' + JSON.stringify(e.params) : ''}`)
    .join('\n');
}

/** Members of `value` that no documented schema names (recursing through allOf, items, properties). */
function undocumented(schemas, value, where, out) {
  const expanded = [];
  const expand = (s) => {
    s = deref(s);
    if (!s || typeof s !== 'object') return;
    if (Array.isArray(s.allOf)) s.allOf.forEach(expand);
    if (s.anyOf || s.oneOf) return; // alternatives: not checked member by member
    expanded.push(s);
  };
  schemas.forEach(expand);
  const informative = expanded.filter((s) => s.properties || s.items || s.additionalProperties !== undefined);
  if (!informative.length) return; // free-form ({} or {type: object})
  if (Array.isArray(value)) {
    const items = informative.filter((s) => s.items).map((s) => s.items);
    value.forEach((v, i) => undocumented(items, v, `${where}[${i}]`, out));
    return;
  }
  if (!value || typeof value !== 'object') return;
  for (const [k, v] of Object.entries(value)) {
    const named = informative.filter((s) => s.properties && k in s.properties).map((s) => s.properties[k]);
    const extra = informative.filter((s) => s.additionalProperties && typeof s.additionalProperties === 'object');
    if (named.length) undocumented(named, v, `${where}.${k}`, out);
    else if (extra.length) undocumented(extra.map((s) => s.additionalProperties), v, `${where}.${k}`, out);
    else if (!informative.some((s) => s.additionalProperties === true)) out.add(`${where}.${k}`.replace(/\[\d+\]/g, '[]'));
  }
}

function collectOperations() {
  const ops = [];
  for (const [p, item] of Object.entries(doc.paths)) {
    for (const method of HTTP_METHODS) {
      if (!item[method]) continue;
      const op = item[method];
      const params = [...(item.parameters ?? []), ...(op.parameters ?? [])].map(deref);
      // an operation-level parameter overrides a path-level one with the same name+in
      const byKey = new Map(params.map((q) => [`${q.in}:${q.name}`, q]));
      ops.push({ key: `${method.toUpperCase()} ${p}`, method, path: p, op, params: [...byKey.values()] });
    }
  }
  return ops;
}

// ---------------------------------------------------------------------------------------------
// Calling the API and checking a response against the document
// ---------------------------------------------------------------------------------------------

function mediaType(contentType) {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

function expandPath(o, values) {
  return o.path.replace(/\{([^}]+)\}/g, (_, name) => {
    assert.ok(name in values, `${o.key}: no value for path parameter {${name}}`);
    return encodeURIComponent(values[name]);
  });
}

function queryString(query) {
  if (query === undefined || query === null) return '';
  if (typeof query === 'string') return query ? `?${query}` : ''; // raw, possibly malformed on purpose
  const s = new URLSearchParams(query).toString();
  return s ? `?${s}` : '';
}

async function fetchText(url, method = 'GET') {
  let res;
  try {
    res = await fetch(url, { method, redirect: 'manual', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  } catch (e) {
    throw new Error(`${method} ${url}: ${e.message}\n--- server output ---\n${serverOutput()}`);
  }
  return { res, text: await res.text() };
}

/**
 * Calls operation `o` with the given path values and query, checks the answer against the
 * document (documented status, media type, schema, undocumented members), records coverage.
 * Returns {status, contentType, body, text, url}.
 */
async function call(o, { pathValues = {}, query, url: absUrl } = {}) {
  const url = absUrl ?? `${baseUrl()}${API_PREFIX}${expandPath(o, pathValues)}${queryString(query)}`;
  const { res, text } = await fetchText(url);
  const where = `${o.key} -> GET ${url.slice(baseUrl().length)}`;
  const statuses = Object.keys(o.op.responses ?? {});
  const status = String(res.status);
  const documented = o.op.responses?.[status] ?? o.op.responses?.[`${status[0]}XX`] ?? o.op.responses?.default;
  assert.ok(
    documented,
    `${where}: answered ${status}, which the document does not list (documented: ${statuses.join(', ')}). Body: ${text.slice(0, 300)}`,
  );
  const response = deref(documented);
  const ct = res.headers.get('content-type');
  const media = mediaType(ct);
  let body = text;
  if (response.content && Object.keys(response.content).length) {
    const key =
      Object.keys(response.content).find((m) => m.toLowerCase() === media) ??
      Object.keys(response.content).find((m) => m.endsWith('/*') && media.startsWith(m.slice(0, -1))) ??
      Object.keys(response.content).find((m) => m === '*/*');
    assert.ok(
      key,
      `${where}: Content-Type "${ct}" is not documented for ${status} (documented: ${Object.keys(response.content).join(', ')})`,
    );
    if (/[/+]json$/.test(media)) {
      try {
        body = JSON.parse(text);
      } catch (e) {
        assert.fail(`${where}: body is not JSON (${e.message}): ${text.slice(0, 200)}`);
      }
    }
    const schema = response.content[key].schema;
    if (schema) {
      const validate = validatorFor(`${o.key} ${status} ${key}`, schema);
      assert.ok(
        validate(body),
        `${where}: the ${status} ${key} body does not match the documented schema:\n${ajvErrors(validate)}\nBody: ${text.slice(0, 500)}`,
      );
      if (typeof body === 'object') {
        const extra = new Set();
        undocumented([schema], body, '$', extra);
        assert.deepEqual(
          [...extra],
          [],
          `${where}: the ${status} body has members that the document does not describe: ${[...extra].join(', ')}`,
        );
      }
    }
  } else {
    assert.equal(text, '', `${where}: the document declares no content for ${status}, but the body is not empty`);
  }
  if (!exercised.has(o.key)) exercised.set(o.key, new Set());
  exercised.get(o.key).add(status);
  return { status: res.status, contentType: ct, body, text, url, headers: res.headers };
}

/** A request that must fail: 4xx, application/problem+json, Problem schema, status member == HTTP status. */
async function callExpectingProblem(o, request, expectedStatus, why) {
  const r = await call(o, request);
  const label = `${o.key} ${why} (${r.url.slice(baseUrl().length)})`;
  if (expectedStatus) assert.equal(r.status, expectedStatus, `${label}: expected ${expectedStatus}, got ${r.status}: ${r.text.slice(0, 300)}`);
  else assert.ok(r.status >= 400 && r.status < 500, `${label}: expected a 4xx, got ${r.status}: ${r.text.slice(0, 300)}`);
  assert.equal(mediaType(r.contentType), 'application/problem+json', `${label}: Content-Type ${r.contentType}`);
  assertProblem(r.body, r.status, label);
  return r;
}

function assertProblem(body, status, label) {
  const validate = validatorFor('components.schemas.Problem', { $ref: '#/components/schemas/Problem' });
  assert.ok(validate(body), `${label}: not a Problem:\n${ajvErrors(validate)}\n${JSON.stringify(body)}`);
  assert.equal(body.status, status, `${label}: problem "status" member ${body.status} differs from the HTTP status ${status}`);
  assert.ok(body.title.length > 0 && body.detail.length > 0, `${label}: empty title/detail`);
  assert.ok(typeof body.type === 'string' && body.type.length > 0, `${label}: empty type`);
}

// ---------------------------------------------------------------------------------------------
// Concrete values
// ---------------------------------------------------------------------------------------------

async function getJson(p) {
  const { res, text } = await fetchText(`${baseUrl()}${API_PREFIX}${p}`);
  assert.equal(res.status, 200, `discovery: GET ${API_PREFIX}${p} answered ${res.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

/** Reads real values from the API (not from the document or the data files). */
async function discover() {
  const services = await getJson('/services?per_page=100');
  assert.ok(services.items.length > 0, 'discovery: /services is empty');
  fx.serviceSlugs = services.items.map((s) => s.slug);
  for (let page = 2; page <= services.pages; page++)
    fx.serviceSlugs.push(...(await getJson(`/services?per_page=100&page=${page}`)).items.map((s) => s.slug));
  const comuni = await getJson('/comuni?per_page=100');
  const perugia = comuni.items.find((c) => c.istat_code === '054039');
  assert.ok(perugia, 'discovery: comune 054039 (Perugia) not in /comuni');
  fx.istat = perugia.istat_code;
  // a service offered in that comune, preferably one with local variants (competence of each comune)
  const offered = await getJson(`/services?comune=${fx.istat}&per_page=100`);
  assert.ok(offered.items.length > 0, `discovery: no service offered in ${fx.istat}`);
  const svc = offered.items.find((s) => s.authority === 'each-comune') ?? offered.items[0];
  fx.slug = svc.slug;
  fx.category = svc.category.code;
  fx.competentEnte = services.items.find((s) => s.competent_ente_id)?.competent_ente_id;
  const enti = await getJson('/enti?kind=regione');
  fx.enteSlug = (enti.items[0] ?? (await getJson('/enti')).items[0]).slug;
  const vocabularies = await getJson('/vocabularies');
  assert.ok(vocabularies.items.length > 0, 'discovery: /vocabularies is empty');
  fx.vocabulary = vocabularies.items[0].name;
  fx.vocabularies = vocabularies.items;
  const lifeEvents = vocabularies.items.some((v) => v.name === 'life-event') ? await getJson('/vocabularies/life-event') : null;
  fx.lifeEvent = lifeEvents?.items[0]?.code;
}

/** Path parameter values by path and parameter name. */
function pathValuesFor(o) {
  const values = {};
  for (const p of o.params.filter((q) => q.in === 'path')) {
    if (p.name === 'slug' && o.path.startsWith('/services/')) values.slug = fx.slug;
    else if (p.name === 'slug' && o.path.startsWith('/enti/')) values.slug = fx.enteSlug;
    else if (p.name === 'istat') values.istat = fx.istat;
    else if (p.name === 'name' && o.path.startsWith('/vocabularies/')) values.name = fx.vocabulary;
    else assert.fail(`${o.key}: no real value known for path parameter {${p.name}}; teach pathValuesFor()`);
  }
  return values;
}

/** Non-existent values for path parameters (well-formed, so that the API must look them up). */
function missingValueFor(p) {
  if (p.name === 'istat') return '999999';
  return 'non-esiste-zz9';
}

/** A query value (text) is valid per the parameter schema (integers are coerced like a server would). */
function assertValidParam(o, p, value) {
  const s = deref(p.schema) ?? {};
  const typed = (s.type === 'integer' || s.type === 'number') && /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
  const validate = validatorFor(`${o.key} param ${p.in}:${p.name}`, p.schema);
  assert.ok(validate(typed), `${o.key}: sample "${p.name}=${value}" is invalid per the document:\n${ajvErrors(validate)}`);
}

function assertInvalidParam(o, p, value, why) {
  const s = deref(p.schema) ?? {};
  const typed = (s.type === 'integer' || s.type === 'number') && /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
  const validate = validatorFor(`${o.key} param ${p.in}:${p.name}`, p.schema);
  assert.ok(!validate(typed), `${o.key}: "${p.name}=${value}" (${why}) is valid per the document; the test expects it not to be`);
}

/** A valid sample value for a query parameter (used to check that every parameter is accepted). */
function sampleQueryValue(o, p) {
  const s = deref(p.schema) ?? {};
  const byName = {
    category: fx.category,
    audience: 'cittadini',
    ente: fx.competentEnte,
    comune: fx.istat,
    provincia: 'PG',
    q: 'carta identità',
    life_event: fx.lifeEvent,
    page: '1',
    per_page: '5',
  };
  if (p.name in byName && byName[p.name] !== undefined) return String(byName[p.name]);
  if (Array.isArray(s.enum)) return String(s.enum[0]);
  if (s.default !== undefined) return String(s.default);
  return undefined;
}

/** Valid values at the edges of a query parameter's schema (minimum, maximum, maxLength). */
function boundaryValues(p) {
  const s = deref(p.schema) ?? {};
  const out = [];
  if (s.type === 'integer' || s.type === 'number') {
    if (typeof s.minimum === 'number') out.push([String(s.minimum), `= minimum ${s.minimum}`]);
    if (typeof s.maximum === 'number') out.push([String(s.maximum), `= maximum ${s.maximum}`]);
  }
  if (s.type === 'string' && typeof s.maxLength === 'number' && !s.enum && !s.pattern) {
    out.push(['x'.repeat(s.maxLength), `of maxLength ${s.maxLength} characters`]);
    // JSON Schema counts characters, not UTF-8 bytes
    out.push(['è'.repeat(s.maxLength), `of maxLength ${s.maxLength} two-byte characters`]);
  }
  return out;
}

/** Malformed values for a query parameter, derived from its schema. */
function malformedValues(p) {
  const s = deref(p.schema) ?? {};
  const out = [];
  if (s.type === 'integer' || s.type === 'number') {
    out.push(['abc', 'not a number'], ['', 'empty']);
    if (s.type === 'integer') out.push(['1.5', 'not an integer']);
    out.push(['-1', 'negative']);
    if (typeof s.minimum === 'number') out.push([String(s.minimum - 1), `below minimum ${s.minimum}`]);
    if (typeof s.maximum === 'number') out.push([String(s.maximum + 1), `above maximum ${s.maximum}`], ['1000', 'way above maximum']);
  }
  if (Array.isArray(s.enum)) out.push(['zz-non-ammesso', 'not in enum']);
  if (typeof s.pattern === 'string') {
    const re = new RegExp(s.pattern, 'u');
    const bad = ['abc', 'x1', '1', '!!'].find((v) => !re.test(v));
    if (bad) out.push([bad, `not matching ${s.pattern}`]);
  }
  if (typeof s.maxLength === 'number') out.push(['x'.repeat(s.maxLength + 1), `longer than maxLength ${s.maxLength}`]);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

before(async () => {
  await start();
  const { res, text } = await fetchText(`${baseUrl()}${API_PREFIX}/openapi.yaml`);
  assert.equal(res.status, 200, `GET ${API_PREFIX}/openapi.yaml answered ${res.status}`);
  docText = text;
  doc = yaml.load(text);
  allOperations = collectOperations();
  operations = allOperations.filter((o) => !isIdentityOperation(o.key));
  ajv = buildAjv();
  await discover();
});

after(async () => {
  await stop();
});

test('the served document is OpenAPI 3.0.x, well-formed and the one in docs/', async () => {
  assert.ok(doc && typeof doc === 'object', 'openapi.yaml does not parse to an object');
  assert.match(String(doc.openapi), /^3\.0\.\d+$/, `"openapi" is ${doc.openapi}, expected 3.0.x`);
  assert.ok(doc.info && typeof doc.info.title === 'string' && doc.info.title, 'info.title missing');
  assert.ok(typeof doc.info.version === 'string' && doc.info.version, 'info.version missing (must be a string)');
  assert.ok(doc.paths && Object.keys(doc.paths).length > 0, 'no paths');
  assert.ok((doc.servers ?? []).some((s) => s.url === API_PREFIX), `servers must include ${API_PREFIX}`);
  assert.equal(docText, await readFile(path.join(repoRoot, 'docs', 'openapi.yaml'), 'utf8'), 'the served document differs from docs/openapi.yaml');

  const ids = new Set();
  for (const o of allOperations) {
    assert.ok(o.op.operationId, `${o.key}: no operationId`);
    assert.ok(!ids.has(o.op.operationId), `${o.key}: duplicate operationId ${o.op.operationId}`);
    ids.add(o.op.operationId);
    assert.ok(o.path.startsWith('/'), `${o.key}: path must start with /`);
    const templated = [...o.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
    const declared = o.params.filter((p) => p.in === 'path').map((p) => p.name).sort();
    assert.deepEqual(declared, templated, `${o.key}: path parameters declared vs templated`);
    for (const p of o.params) {
      assert.ok(['query', 'path', 'header', 'cookie'].includes(p.in), `${o.key}: parameter ${p.name} has in=${p.in}`);
      if (p.in === 'path') assert.equal(p.required, true, `${o.key}: path parameter ${p.name} must be required`);
      assert.ok(p.schema, `${o.key}: parameter ${p.name} has no schema`);
    }
    const responses = Object.entries(o.op.responses ?? {});
    assert.ok(responses.length > 0, `${o.key}: no responses`);
    assert.ok(responses.some(([s]) => /^2/.test(s)), `${o.key}: no 2xx response`);
    for (const [status, r] of responses) {
      const resp = deref(r);
      assert.ok(typeof resp.description === 'string', `${o.key} ${status}: response without description`);
      for (const [media, m] of Object.entries(resp.content ?? {})) {
        if (m.schema) validatorFor(`${o.key} ${status} ${media}`, m.schema); // every schema compiles
        if (/^[45]/.test(status)) assert.equal(media, 'application/problem+json', `${o.key} ${status}: errors must be application/problem+json`);
      }
    }
  }
  assert.ok(doc.components?.schemas?.Problem, 'components.schemas.Problem missing');
  for (const name of Object.keys(doc.components?.schemas ?? {})) ajv.getSchema(`${OAS_ID}#/components/schemas/${name}`);
});

test('the operations left to identity-openapi.test.mjs are exactly those that need a login', () => {
  const keys = allOperations.map((o) => o.key);
  const missing = IDENTITY_OPERATIONS.filter((k) => !keys.includes(k));
  assert.deepEqual(missing, [], `identity-operations.mjs lists operations that are not in the document: ${missing.join(', ')}`);
  assert.deepEqual(
    securedOperationKeys(doc).sort(),
    [...IDENTITY_OPERATIONS].sort(),
    'the operations with a security requirement differ from the list in identity-operations.mjs',
  );
});

test('every documented operation answers a valid request as documented', async (t) => {
  for (const o of operations) {
    await t.test(o.key, async () => {
      const r = await call(o, { pathValues: pathValuesFor(o) });
      assert.ok(r.status >= 200 && r.status < 300, `${o.key}: ${r.status} ${r.text.slice(0, 300)}`);
    });
  }
});

test('semantics of the valid answers', async (t) => {
  const op = (key) => {
    const o = operations.find((x) => x.key === key);
    assert.ok(o, `${key} is not in the document`);
    return o;
  };
  await t.test('GET /services/{slug} is the requested service', async () => {
    const o = op('GET /services/{slug}');
    const r = await call(o, { pathValues: { slug: fx.slug } });
    assert.equal(r.body.slug, fx.slug);
  });
  await t.test('GET /services/{slug}/variants/{istat} is the variant of that comune', async () => {
    const o = op('GET /services/{slug}/variants/{istat}');
    const r = await call(o, { pathValues: { slug: fx.slug, istat: fx.istat } });
    assert.equal(r.body.comune.istat_code, fx.istat);
  });
  await t.test('GET /comuni/{istat} is that comune', async () => {
    const o = op('GET /comuni/{istat}');
    const r = await call(o, { pathValues: { istat: fx.istat } });
    assert.equal(r.body.istat_code, fx.istat);
    assert.equal(r.body.kind, 'comune');
  });
  await t.test('GET /enti/{slug} is that ente', async () => {
    const o = op('GET /enti/{slug}');
    const r = await call(o, { pathValues: { slug: fx.enteSlug } });
    assert.equal(r.body.slug, fx.enteSlug);
  });
  await t.test('GET /vocabularies/{name} has as many terms as /vocabularies says', async () => {
    const o = op('GET /vocabularies/{name}');
    for (const v of fx.vocabularies) {
      const r = await call(o, { pathValues: { name: v.name } });
      assert.equal(r.body.name, v.name);
      assert.equal(r.body.items.length, v.terms, `vocabulary ${v.name}`);
    }
  });
  await t.test('a search for "carta identità" finds something', async () => {
    const o = op('GET /search');
    const r = await call(o, { query: { q: 'carta identità' } });
    assert.ok(r.body.total > 0 && r.body.items.length > 0, 'no result for "carta identità"');
  });
});

test('every service and every local variant of the catalogue matches its schema', async () => {
  const op = (key) => operations.find((o) => o.key === key);
  const getService = op('GET /services/{slug}');
  const listVariants = op('GET /services/{slug}/variants');
  assert.ok(getService && listVariants, 'GET /services/{slug} and GET /services/{slug}/variants are documented');
  let variants = 0;
  for (const slug of fx.serviceSlugs) {
    await call(getService, { pathValues: { slug } });
    let url = null;
    do {
      const r = url ? await call(listVariants, { url }) : await call(listVariants, { pathValues: { slug }, query: { per_page: '100' } });
      variants += r.body.items.length;
      url = r.body.links.next ? new URL(r.body.links.next, baseUrl()).href : null;
    } while (url);
  }
  assert.ok(variants > 0, 'no local variant in the catalogue');
});

test('every documented query parameter and enum value is accepted', async (t) => {
  for (const o of operations) {
    const qps = o.params.filter((p) => p.in === 'query');
    if (!qps.length) continue;
    await t.test(o.key, async () => {
      const pathValues = pathValuesFor(o);
      for (const p of qps) {
        const value = sampleQueryValue(o, p);
        assert.ok(value !== undefined, `${o.key}: no sample value for query parameter "${p.name}"; teach sampleQueryValue()`);
        assertValidParam(o, p, value);
        const r = await call(o, { pathValues, query: { [p.name]: value } });
        assert.equal(r.status, 200, `${o.key}?${p.name}=${value}: ${r.status} ${r.text.slice(0, 300)}`);
        checkFilter(o, p.name, value, r.body);
        const s = deref(p.schema);
        for (const [v, why] of boundaryValues(p)) {
          const e = await call(o, { pathValues, query: { [p.name]: v } });
          assert.equal(e.status, 200, `${o.key}: "${p.name}" ${why} is valid per the document, got ${e.status} ${e.text.slice(0, 300)}`);
        }
        for (const v of s?.enum ?? []) {
          const e = await call(o, { pathValues, query: { [p.name]: String(v) } });
          assert.equal(e.status, 200, `${o.key}?${p.name}=${v} (documented enum value): ${e.status} ${e.text.slice(0, 300)}`);
          checkFilter(o, p.name, String(v), e.body);
        }
      }
    });
  }
});

/** The answer honours the filter it was given (for the list operations whose items show it). */
function checkFilter(o, name, value, body) {
  const items = body.items ?? [];
  const label = `${o.key}?${name}=${value}`;
  if (name === 'per_page') {
    assert.equal(body.per_page, Number(value), `${label}: per_page member`);
    assert.ok(items.length <= Number(value), `${label}: ${items.length} items`);
  }
  if (name === 'page') assert.equal(body.page, Number(value), `${label}: page member`);
  if (o.path === '/services') {
    const checks = {
      category: (s) => s.category.code === value,
      audience: (s) => s.audience.includes(value),
      status: (s) => s.status === value,
      ente: (s) => s.competent_ente_id === value,
    };
    if (checks[name]) for (const s of items) assert.ok(checks[name](s), `${label}: item ${s.slug} does not match`);
    if (['category', 'ente', 'comune'].includes(name)) assert.ok(body.total > 0, `${label}: no item for a real value`);
  }
  if (o.path === '/enti' && name === 'kind') for (const e of items) assert.equal(e.kind, value, `${label}: ${e.slug}`);
  if (o.path === '/comuni' && name === 'provincia') {
    assert.ok(body.total > 0, `${label}: empty`);
    for (const e of items) assert.ok(e.province_abbr === value || e.province_code === value, `${label}: ${e.slug}`);
  }
}

test('malformed requests answer a documented 4xx application/problem+json', async (t) => {
  for (const o of operations) {
    await t.test(o.key, async () => {
      const pathValues = pathValuesFor(o);
      const qps = o.params.filter((p) => p.in === 'query');
      // Unknown parameters are refused everywhere (contract in src/api/api.h), so a typo never
      // silently returns the unfiltered catalogue.
      await callExpectingProblem(o, { pathValues, query: 'parametro_sconosciuto=1' }, 400, 'unknown parameter');
      await callExpectingProblem(o, { pathValues, query: 'x=%ZZ' }, 400, 'invalid percent-encoding');
      if (!qps.length) return;
      const first = qps.find((p) => deref(p.schema)?.type === 'string') ?? qps[0];
      await callExpectingProblem(o, { pathValues, query: `${encodeURIComponent(first.name)}=%ZZ` }, 400, `"${first.name}" with invalid percent-encoding`);
      await callExpectingProblem(o, { pathValues, query: `${encodeURIComponent(first.name)}=%FF%FE` }, 400, `"${first.name}" with invalid UTF-8`);
      const sample = sampleQueryValue(o, first);
      await callExpectingProblem(
        o,
        { pathValues, query: `${encodeURIComponent(first.name)}=${encodeURIComponent(sample)}&${encodeURIComponent(first.name)}=${encodeURIComponent(sample)}` },
        400,
        `repeated "${first.name}"`,
      );
      for (const p of qps) {
        for (const [value, why] of malformedValues(p)) {
          assertInvalidParam(o, p, value, why);
          await callExpectingProblem(o, { pathValues, query: { [p.name]: value } }, 400, `"${p.name}" ${why}`);
        }
      }
    });
  }
});

test('non-existent path ids answer 404 application/problem+json', async (t) => {
  for (const o of operations) {
    const pps = o.params.filter((p) => p.in === 'path');
    if (!pps.length) continue;
    await t.test(o.key, async () => {
      for (const p of pps) {
        const pathValues = { ...pathValuesFor(o), [p.name]: missingValueFor(p) };
        await callExpectingProblem(o, { pathValues }, 404, `non-existent {${p.name}}`);
      }
    });
  }
});

test('paths outside the document and other methods answer problem+json', async () => {
  const { res, text } = await fetchText(`${baseUrl()}${API_PREFIX}/non-esiste`);
  assert.equal(res.status, 404);
  assert.equal(mediaType(res.headers.get('content-type')), 'application/problem+json');
  assertProblem(JSON.parse(text), 404, `GET ${API_PREFIX}/non-esiste`);
  for (const o of operations.filter((x) => x.method === 'get')) {
    const url = `${baseUrl()}${API_PREFIX}${expandPath(o, pathValuesFor(o))}`;
    // read-only API: other methods are refused with 405 and an Allow header
    if (!doc.paths[o.path].post) {
      const post = await fetchText(url, 'POST');
      assert.equal(post.res.status, 405, `POST ${o.path}: ${post.res.status}`);
      assert.match(post.res.headers.get('allow') ?? '', /\bGET\b/, `POST ${o.path}: Allow header`);
      assert.equal(mediaType(post.res.headers.get('content-type')), 'application/problem+json', `POST ${o.path}`);
      assertProblem(JSON.parse(post.text), 405, `POST ${o.path}`);
    }
    // HEAD mirrors GET without a body
    const head = await fetchText(url, 'HEAD');
    assert.equal(head.res.status, 200, `HEAD ${o.path}`);
    assert.equal(head.text, '', `HEAD ${o.path}: body`);
  }
});

/** Follows links.next from page 1; checks page numbering, links, totals and duplicates. */
async function walkPages(o, pathValues, query, idOf) {
  let r = await call(o, { pathValues, query });
  const first = r.body;
  const perPage = first.per_page;
  const seen = new Map();
  let pageNo = 1;
  for (;;) {
    const b = r.body;
    const label = `${o.key} page ${pageNo} (${r.url.slice(baseUrl().length)})`;
    assert.equal(b.page, pageNo, `${label}: page member`);
    assert.equal(b.per_page, perPage, `${label}: per_page changed while following links.next`);
    assert.equal(b.total, first.total, `${label}: total changed`);
    assert.equal(b.pages, Math.max(1, Math.ceil(b.total / b.per_page)), `${label}: pages != ceil(total/per_page)`);
    assert.ok(b.items.length <= perPage, `${label}: ${b.items.length} items > per_page`);
    const self = new URL(b.links.self, baseUrl());
    assert.equal(self.searchParams.get('page'), String(pageNo), `${label}: links.self ${b.links.self}`);
    for (const [k, v] of Object.entries(typeof query === 'object' && query ? query : {}))
      if (k !== 'page') assert.equal(self.searchParams.get(k), String(v), `${label}: links.self loses ${k}`);
    for (const item of b.items) {
      const id = idOf(item);
      assert.ok(!seen.has(id), `${label}: duplicate item ${id} (already on page ${seen.get(id)})`);
      seen.set(id, pageNo);
    }
    if (pageNo > 1) assert.ok(b.links.prev, `${label}: no links.prev`);
    else assert.equal(b.links.prev, undefined, `${label}: links.prev on page 1`);
    if (!b.links.next) {
      assert.equal(pageNo, b.pages, `${label}: no links.next before the last page`);
      if (b.pages > 1) assert.equal(b.items.length, b.total - (b.pages - 1) * perPage, `${label}: last page size`);
      break;
    }
    assert.ok(pageNo < b.pages, `${label}: links.next on the last page`);
    assert.ok(pageNo < 10_000, 'runaway pagination');
    const next = new URL(b.links.next, baseUrl());
    assert.equal(next.origin, new URL(baseUrl()).origin, `${label}: links.next points elsewhere: ${b.links.next}`);
    r = await call(o, { url: next.href });
    pageNo++;
  }
  assert.equal(seen.size, first.total, `${o.key} ${JSON.stringify(query)}: ${seen.size} distinct items over ${pageNo} pages, total says ${first.total}`);
  return { total: first.total, pages: pageNo };
}

test('pagination: links.next from page 1 reaches the last page, union of items == total', async (t) => {
  const op = (key) => operations.find((o) => o.key === key);
  const services = op('GET /services');
  assert.ok(services, 'GET /services is not documented');
  await t.test('/services (default per_page)', async () => {
    const w = await walkPages(services, {}, undefined, (s) => s.id);
    assert.ok(w.total > 0);
  });
  await t.test('/services?per_page=7', async () => {
    const w = await walkPages(services, {}, { per_page: '7' }, (s) => s.id);
    assert.ok(w.pages > 1, 'expected more than one page');
  });
  await t.test('/services?audience=cittadini&per_page=10 keeps the filter in the links', async () => {
    const all = await call(services, { query: { audience: 'cittadini', per_page: '100' } });
    const w = await walkPages(services, {}, { audience: 'cittadini', per_page: '10' }, (s) => s.id);
    assert.equal(w.total, all.body.total);
  });
  await t.test('a page past the last one is a 404 problem on every paginated list', async () => {
    for (const key of ['GET /services', 'GET /enti', 'GET /comuni', 'GET /services/{slug}/variants']) {
      const o = op(key);
      assert.ok(o, `${key} is not documented`);
      await callExpectingProblem(o, { pathValues: pathValuesFor(o), query: { page: '999999', per_page: '100' } }, 404, 'page past the end');
    }
  });
  const others = [
    ['GET /enti', {}, { kind: 'comune', per_page: '25' }, (e) => e.id],
    ['GET /comuni', {}, { provincia: 'TR', per_page: '10' }, (e) => e.id],
    ['GET /comuni', {}, { per_page: '30' }, (e) => e.id],
    ['GET /services/{slug}/variants', null, { per_page: '30' }, (v) => v.comune.istat_code],
  ];
  for (const [key, pv, query, idOf] of others) {
    const o = operations.find((x) => x.key === key);
    assert.ok(o, `${key} is not in the document`);
    await t.test(`${o.path}?${new URLSearchParams(query)}`, async () => {
      await walkPages(o, pv ?? pathValuesFor(o), query, idOf);
    });
  }
});

test('coverage: every documented operation and status code was exercised', () => {
  const missingOps = operations.filter((o) => ![...(exercised.get(o.key) ?? [])].some((s) => /^2/.test(s))).map((o) => o.key);
  assert.deepEqual(missingOps, [], `operations in the document never exercised with a 2xx answer: ${missingOps.join(', ')}`);
  const missingStatuses = [];
  for (const o of operations)
    for (const s of Object.keys(o.op.responses ?? {}))
      if (s !== 'default' && !/XX$/.test(s) && !exercised.get(o.key)?.has(s)) missingStatuses.push(`${o.key} ${s}`);
  assert.deepEqual(missingStatuses, [], `documented responses never exercised: ${missingStatuses.join(', ')}`);
  const unknown = [...exercised.keys()].filter((k) => !operations.some((o) => o.key === k));
  assert.deepEqual(unknown, []);
});
