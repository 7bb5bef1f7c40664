package instagramfb

// Errors are Graph API errors, triaged by meta.Triage (see package
// facebook), with Instagram's own: 80002 (its Business Use Case rate
// limit), 9007/2207027 (media not ready), -1 and -2 (try again) and the
// media refusals of its error-code table. A refused Instagram account
// whose Page role comes through a Business Portfolio is explained by
// explainBusinessRole when the grant lacks ads_read.
// https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/error-codes
