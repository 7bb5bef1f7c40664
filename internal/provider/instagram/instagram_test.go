package instagram_test

import (
	"testing"

	"github.com/tokenwatch/tokenwatch/internal/provider"

	"github.com/tokenwatch/tokenwatch/internal/provider/instagram"
	"github.com/tokenwatch/tokenwatch/internal/provider/providertest"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	providertest.Run(t, providertest.Spec{
		New:       func(c provider.Config) provider.Provider { return instagram.New(c) },
		Scope:     "instagram_business_content_publish", // seen when publishing: Instagram Login has no debug_token
		Blockable: true, BlockSubcodes: []int{459, 464},
	})
}
