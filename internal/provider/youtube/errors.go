package youtube

// Errors are Google's, triaged by google.Triage (see package
// googlebusiness); YouTube's quotaExceeded 403 is transient.
