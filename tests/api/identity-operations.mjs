// The operations of docs/openapi.yaml that need a caller (a session or an application's token).
// tests/api/identity-openapi.test.mjs exercises them, logged in through the demo OpenID
// provider; tests/api/openapi.test.mjs, which runs the server without a provider, checks only
// their description and leaves them out of its calls and of its coverage count.
//
// Both files fail if this list and the document disagree: an operation with a `security`
// requirement must be listed here, and every operation listed here must be in the document.
export const IDENTITY_OPERATIONS = Object.freeze([
  'GET /me',
  'GET /delegations',
  'POST /delegations',
  'POST /delegations/accept',
  'POST /delegations/{id}/revoke',
  'POST /delegations/{id}/reject',
]);

export const isIdentityOperation = (key) => IDENTITY_OPERATIONS.includes(key);

/** Keys ("METHOD /path") of the operations of `doc` that declare a non-empty security requirement. */
export function securedOperationKeys(doc) {
  const keys = [];
  for (const [p, item] of Object.entries(doc.paths ?? {}))
    for (const [method, op] of Object.entries(item))
      if (op && typeof op === 'object' && Array.isArray(op.security ?? doc.security) && (op.security ?? doc.security).length)
        keys.push(`${method.toUpperCase()} ${p}`);
  return keys;
}
