package instagram

// Errors are Graph API errors (190 for a dead token, 10 or 200–299 for a
// missing permission, 80002 and the other rate limits, 9007/2207027 for
// media not ready, …), triaged by meta.Triage; the token endpoint's own
// shape ({"error_type", "code", "error_message"}) is read there too, a
// refusal of the app itself being a service problem.
// https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/error-codes
