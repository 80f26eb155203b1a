// docs/openapi.yaml (OpenAPI 3.0) as JSON Schema for Ajv, shared by the conformance suites
// (tests/api/identity-openapi, tests/practices/practices-openapi, webhooks-openapi):
//
//   const oas = openApiSchemas(doc, 'my-suite-components.json');   // compiles the components
//   const v = oas.validatorFor('POST /x 201', schema); v(body) || assert.fail(oas.ajvErrors(v));
//   oas.undocumented(schema, body)   // member paths the schema does not name
import assert from 'node:assert/strict';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';

export function openApiSchemas(doc, id, { validateFormats = true } = {}) {
  const validators = new Map();

  function pointer(ref) {
    assert.ok(ref.startsWith('#/'), `only local $ref: ${ref}`);
    return ref.slice(2).split('/').reduce((node, part) => {
      assert.ok(node && part in node, `unresolvable $ref ${ref}`);
      return node[part];
    }, doc);
  }

  function deref(obj) {
    const seen = new Set();
    while (obj && typeof obj === 'object' && typeof obj.$ref === 'string') {
      assert.ok(!seen.has(obj.$ref), `circular $ref ${obj.$ref}`);
      seen.add(obj.$ref);
      obj = pointer(obj.$ref);
    }
    return obj;
  }

  /** OpenAPI 3.0 Schema Object -> JSON Schema (nullable, boolean exclusive bounds, component $refs). */
  function toJsonSchema(s) {
    if (s === null || typeof s !== 'object') return s;
    if (Array.isArray(s)) return s.map(toJsonSchema);
    if (typeof s.$ref === 'string') {
      assert.ok(s.$ref.startsWith('#/components/schemas/'), `schema $ref outside components/schemas: ${s.$ref}`);
      pointer(s.$ref);
      return { $ref: id + s.$ref };
    }
    const out = {};
    for (const [k, v] of Object.entries(s)) {
      if (['properties', 'patternProperties'].includes(k)) out[k] = Object.fromEntries(Object.entries(v).map(([n, sub]) => [n, toJsonSchema(sub)]));
      else if (['items', 'additionalProperties', 'not'].includes(k)) out[k] = toJsonSchema(v);
      else if (['allOf', 'anyOf', 'oneOf'].includes(k)) out[k] = v.map(toJsonSchema);
      else if (!['nullable', 'discriminator', 'xml', 'externalDocs', 'example', 'deprecated', 'readOnly', 'writeOnly'].includes(k)) out[k] = v;
    }
    for (const [bound, limit] of [['exclusiveMinimum', 'minimum'], ['exclusiveMaximum', 'maximum']]) {
      if (s[bound] === true) {
        out[bound] = s[limit];
        delete out[limit];
      } else if (s[bound] === false) delete out[bound];
    }
    if (s.nullable === true) {
      if (typeof out.type === 'string') out.type = [out.type, 'null'];
      else if (out.type === undefined) return { anyOf: [out, { type: 'null' }] };
    }
    return out;
  }

  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats });
  addFormats(ajv);
  ajv.addSchema({
    $id: id,
    components: { schemas: Object.fromEntries(Object.entries(doc.components.schemas).map(([n, s]) => [n, toJsonSchema(s)])) },
  });

  function validatorFor(key, schema) {
    if (!validators.has(key)) validators.set(key, ajv.compile(toJsonSchema(schema)));
    return validators.get(key);
  }

  const ajvErrors = (validate) => (validate.errors ?? [])
    .slice(0, 8)
    .map((e) => `  ${e.instancePath || '/'} ${e.message}${e.params ? ' ' + JSON.stringify(e.params) : ''}`)
    .join('\n');

  /**
   * Member paths of `value` that `schema` does not name. Follows $ref, merges allOf, picks the
   * oneOf/anyOf branch named by the discriminator (or the only branch that validates).
   */
  function undocumented(schema, value, where = '$', out = new Set()) {
    const s = deref(schema);
    if (!s || typeof s !== 'object' || value === null || typeof value !== 'object') return out;
    const alternatives = s.oneOf ?? s.anyOf;
    if (alternatives) {
      let branch = null;
      const d = s.discriminator;
      if (d && typeof value[d.propertyName] === 'string') {
        const ref = d.mapping?.[value[d.propertyName]] ?? `#/components/schemas/${value[d.propertyName]}`;
        branch = alternatives.find((a) => a.$ref === ref);
      }
      branch ??= alternatives.find((a) => validatorFor(`branch ${JSON.stringify(a)}`, a)(value));
      if (branch) undocumented(branch, value, where, out);
      return out;
    }
    const parts = s.allOf ? s.allOf.map(deref) : [s];
    if (Array.isArray(value)) {
      const items = parts.map((p) => p.items).filter(Boolean);
      if (items.length) value.forEach((v, i) => items.forEach((it) => undocumented(it, v, `${where}[${i}]`, out)));
      return out;
    }
    const described = parts.filter((p) => p.properties || p.additionalProperties !== undefined);
    if (!described.length) return out; // free-form object
    for (const [k, v] of Object.entries(value)) {
      const named = described.filter((p) => p.properties && k in p.properties);
      if (named.length) named.forEach((p) => undocumented(p.properties[k], v, `${where}.${k}`, out));
      else if (!described.some((p) => p.additionalProperties === true || typeof p.additionalProperties === 'object'))
        out.add(`${where}.${k}`.replace(/\[\d+\]/g, '[]'));
    }
    return out;
  }

  return { ajv, pointer, deref, toJsonSchema, validatorFor, ajvErrors, undocumented };
}
