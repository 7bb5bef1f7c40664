package threads

// Errors are Graph API errors (190 for an expired or revoked token, 10 or
// 200–299 for a missing permission, the rate limits, 24/4279009 for a
// container not ready to publish), triaged by meta.Triage; the token
// endpoint's own shape ({"error_type", "code", "error_message"}) is read
// there too.
