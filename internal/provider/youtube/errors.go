package youtube

// Errors are Google's, triaged by google.Triage
// (https://developers.google.com/youtube/v3/docs/errors): quotaExceeded
// (403; videos.insert costs 1,600 of the project's 10,000 default units a
// day) and accessNotConfigured are tokenwatch's app, a service problem;
// a suspended or closed YouTube account, or one without a channel
// (youtubeSignupRequired), is the user's to fix; rateLimitExceeded and
// uploadLimitExceeded are transient.
