package pinterest_test

import (
	"testing"

	"github.com/tokenwatch/tokenwatch/internal/provider"

	"github.com/tokenwatch/tokenwatch/internal/provider/pinterest"
	"github.com/tokenwatch/tokenwatch/internal/provider/providertest"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	providertest.Run(t, providertest.Spec{
		New:   func(c provider.Config) provider.Provider { return pinterest.New(c) },
		Scope: "pins:write",
	})
}
