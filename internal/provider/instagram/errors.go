package instagram

// Errors are Graph API errors (190 for a dead token, 10 or 200–299 for a
// missing permission, …), triaged by meta.Triage; the token endpoint's own
// error shape (error_type, error_message) is read there too.
