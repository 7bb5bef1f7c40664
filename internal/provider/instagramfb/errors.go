package instagramfb

// Errors are Graph API errors, triaged by meta.Triage (see package facebook).
