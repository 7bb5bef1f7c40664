package googlebusiness

// Errors are Google's, triaged by google.Triage: invalid_grant or
// invalid_token and 401 UNAUTHENTICATED mean reconnecting, 403
// PERMISSION_DENIED a missing scope or role (but a 403 quota reason is
// transient), 429 and 5xx are transient.
