package x_test

import (
	"testing"

	"github.com/tokenwatch/tokenwatch/internal/provider"

	"github.com/tokenwatch/tokenwatch/internal/provider/providertest"
	"github.com/tokenwatch/tokenwatch/internal/provider/x"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	providertest.Run(t, providertest.Spec{
		New:       func(c provider.Config) provider.Provider { return x.New(c) },
		Scope:     "tweet.write",
		Blockable: true, // a locked account
	})
}
