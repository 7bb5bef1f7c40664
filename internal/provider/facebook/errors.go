package facebook

// Facebook's errors are Graph API errors, triaged by meta.Triage as Meta
// documents them (190 and subcodes, 102, 492, 459/464, 10, 200–299, 506,
// and the transient 1, 2, 4, 17, 341, 368). The client built by
// meta.NewLogin applies it.
