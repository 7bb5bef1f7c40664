package linkedin_test

import (
	"testing"

	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/linkedin"
	"github.com/tokenwatch/tokenwatch/internal/provider/providertest"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	providertest.Run(t, providertest.Spec{
		New:    func(c provider.Config) provider.Provider { return linkedin.New(c) },
		Config: func(c *provider.Config) { c.RefreshEnabled = true },
		// LinkedIn's API documentation gives no web link for a post URN.
		NoPostLink: "LinkedIn documents no link for a post",
		RoleOK:     "ADMINISTRATOR", RoleRefused: "CONTENT_ADMINISTRATOR", RefusalMentions: "Super Admin",
		Scope: "w_organization_social", ScopeSeenByInspect: true,
		RoleLost: "CONTENT_ADMINISTRATOR", RoleLossSeenByInspect: true,
	})
}

// TestRecorded plays LinkedIn's documented (and, where the docs publish no
// body, reported) answers through the provider: each file names its source.
func TestRecorded(t *testing.T) {
	t.Parallel()
	providertest.RunRecorded(t, func(c provider.Config) provider.Provider { return linkedin.New(c) }, "testdata/recorded")
}
