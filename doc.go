// Package tokenwatch holds the domain of tokenwatch: accounts, locations,
// users and their roles, connected pages with their token facts, posts and
// notifications, and the error type every layer uses to say what went wrong
// in words that are safe to show.
//
// It has no dependencies beyond the standard library. Storage, providers,
// the web UI and background work live in packages under internal/ and meet
// here, on these types.
package tokenwatch
