package facebook_test

import (
	"testing"

	"github.com/tokenwatch/tokenwatch/internal/provider"

	"github.com/tokenwatch/tokenwatch/internal/provider/facebook"
	"github.com/tokenwatch/tokenwatch/internal/provider/providertest"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	providertest.Run(t, providertest.Spec{
		New:    func(c provider.Config) provider.Provider { return facebook.New(c) },
		RoleOK: "MANAGE", RoleRefused: "CREATE_CONTENT", RefusalMentions: "full control of the Page",
		Scope: "pages_manage_posts", ScopeSeenByInspect: true,
		RoleLost: "", RoleLossSeenByInspect: true,
		Blockable: true, BlockSubcodes: []int{459, 464},
	})
}
