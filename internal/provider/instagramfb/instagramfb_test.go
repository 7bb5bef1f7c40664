package instagramfb_test

import (
	"testing"

	"github.com/tokenwatch/tokenwatch/internal/provider"

	"github.com/tokenwatch/tokenwatch/internal/provider/instagramfb"
	"github.com/tokenwatch/tokenwatch/internal/provider/providertest"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	providertest.Run(t, providertest.Spec{
		New:    func(c provider.Config) provider.Provider { return instagramfb.New(c) },
		RoleOK: "CREATE_CONTENT", RoleRefused: "ANALYZE", RefusalMentions: "MANAGE or CREATE_CONTENT", LinkedPage: true,
		Scope: "instagram_content_publish", ScopeSeenByInspect: true,
		RoleLost: "", RoleLossSeenByInspect: true,
		Blockable: true, BlockSubcodes: []int{459, 464},
	})
}
