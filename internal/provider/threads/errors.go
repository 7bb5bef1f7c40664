package threads

// Errors are Graph API errors (190 for an expired or revoked token, 10 or
// 200–299 for a missing permission, …), triaged by meta.Triage.
