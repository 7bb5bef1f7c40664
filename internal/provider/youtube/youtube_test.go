package youtube_test

import (
	"testing"

	"github.com/tokenwatch/tokenwatch/internal/provider"

	"github.com/tokenwatch/tokenwatch/internal/provider/providertest"
	"github.com/tokenwatch/tokenwatch/internal/provider/youtube"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	providertest.Run(t, providertest.Spec{
		New:    func(c provider.Config) provider.Provider { return youtube.New(c) },
		RoleOK: "owner", // Google lists only the channels the user owns or manages
		Scope:  "https://www.googleapis.com/auth/youtube.upload", ScopeSeenByInspect: true,
	})
}

func TestRecorded(t *testing.T) {
	t.Parallel()
	providertest.RunRecorded(t, func(c provider.Config) provider.Provider { return youtube.New(c) }, "testdata/recorded")
}
