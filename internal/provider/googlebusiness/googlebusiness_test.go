package googlebusiness_test

import (
	"testing"

	"github.com/tokenwatch/tokenwatch/internal/provider"

	"github.com/tokenwatch/tokenwatch/internal/provider/googlebusiness"
	"github.com/tokenwatch/tokenwatch/internal/provider/providertest"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	providertest.Run(t, providertest.Spec{
		New:    func(c provider.Config) provider.Provider { return googlebusiness.New(c) },
		RoleOK: "OWNER", RoleRefused: "SITE_MANAGER", RefusalMentions: "owner or manager",
		CandidateID: func(page, user string) string { return "accounts/" + user + "/locations/" + page },
		Scope:       "https://www.googleapis.com/auth/business.manage", ScopeSeenByInspect: true,
		RoleLost: "SITE_MANAGER", RoleLossSeenByInspect: true,
	})
}

func TestRecorded(t *testing.T) {
	t.Parallel()
	providertest.RunRecorded(t, func(c provider.Config) provider.Provider { return googlebusiness.New(c) }, "testdata/recorded")
}
