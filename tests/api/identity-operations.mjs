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

// The practices hub (people's practices and the back offices' ModI-signed interop API) needs
// back-office clients registered through the CLI: tests/practices/practices-openapi.test.mjs
// exercises these operations, and both files here leave them out.
export const PRACTICES_OPERATIONS = Object.freeze([
  'POST /interop/practices',
  'POST /interop/events',
  'GET /interop/practices/{id}',
  'GET /practices',
  'GET /practices/{id}',
  'GET /practices/accessi',
]);

// Webhook subscriptions of the practices hub: they need an ente operator or a live application
// and real receivers; tests/practices/webhooks-openapi.test.mjs exercises them, both files here
// leave them out.
export const WEBHOOKS_OPERATIONS = Object.freeze([
  'GET /webhooks',
  'POST /webhooks',
  'GET /webhooks/{id}',
  'DELETE /webhooks/{id}',
  'GET /webhooks/{id}/deliveries',
  'POST /webhooks/deliveries/{id}/redeliver',
]);

// The notification API (inbox, preferences, calendar feed, bulk sends): it needs people with
// messages, operators, live applications and the channels' peers;
// tests/notifications/messages-openapi.test.mjs exercises these operations, both files here
// leave them out.
export const NOTIFICATIONS_OPERATIONS = Object.freeze([
  'GET /messages',
  'GET /messages/{id}',
  'POST /messages/{id}/read',
  'DELETE /messages/{id}/read',
  'GET /notification-preferences',
  'PUT /notification-preferences',
  'POST /calendar-feed',
  'DELETE /calendar-feed',
  'GET /notifications',
  'POST /notifications',
  'GET /notifications/{id}',
  'POST /notifications/{id}/cancel',
]);

/** True for the operations tests/api/openapi.test.mjs does not call (they need a caller). */
export const isIdentityOperation = (key) =>
  IDENTITY_OPERATIONS.includes(key) || PRACTICES_OPERATIONS.includes(key) || WEBHOOKS_OPERATIONS.includes(key) ||
  NOTIFICATIONS_OPERATIONS.includes(key);

/**
 * Keys ("METHOD /path") of the operations of `doc` that declare a non-empty security
 * requirement, except the practices hub's and the notifications' (PRACTICES_OPERATIONS,
 * WEBHOOKS_OPERATIONS, NOTIFICATIONS_OPERATIONS).
 */
export function securedOperationKeys(doc) {
  const keys = [];
  for (const [p, item] of Object.entries(doc.paths ?? {}))
    for (const [method, op] of Object.entries(item))
      if (op && typeof op === 'object' && Array.isArray(op.security ?? doc.security) && (op.security ?? doc.security).length)
        keys.push(`${method.toUpperCase()} ${p}`);
  return keys.filter((k) => !PRACTICES_OPERATIONS.includes(k) && !WEBHOOKS_OPERATIONS.includes(k) &&
    !NOTIFICATIONS_OPERATIONS.includes(k));
}
