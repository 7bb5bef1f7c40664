package tiktok_test

import (
	"testing"

	"github.com/tokenwatch/tokenwatch/internal/provider"

	"github.com/tokenwatch/tokenwatch/internal/provider/providertest"
	"github.com/tokenwatch/tokenwatch/internal/provider/tiktok"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	providertest.Run(t, providertest.Spec{
		New:   func(c provider.Config) provider.Provider { return tiktok.New(c) },
		Scope: "video.publish",
	})
}
