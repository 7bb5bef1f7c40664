package facebook

// Facebook's errors are Graph API errors, triaged by meta.Triage as Meta
// documents them: 190 and its subcodes and 102 (reconnect), 190/492 (the
// person who connected the Page lost their role on it), 459/464 (fix the
// account first), 10 and 200–299 (a permission), 506 (a duplicate post),
// refusals of tokenwatch's app or Graph version (service), and the rate
// limits and outages that pass (1, 2, 4, 17, 32, 341, 368, 613, 80001). The
// client built by meta.NewLogin applies it and reads the delay of a
// Business Use Case limit from X-Business-Use-Case-Usage.
