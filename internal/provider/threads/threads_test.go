package threads_test

import (
	"testing"

	"github.com/tokenwatch/tokenwatch/internal/provider"

	"github.com/tokenwatch/tokenwatch/internal/provider/providertest"
	"github.com/tokenwatch/tokenwatch/internal/provider/threads"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	providertest.Run(t, providertest.Spec{
		New: func(c provider.Config) provider.Provider { return threads.New(c) },
		// Seen when publishing: the health check is /me (threads_basic).
		Scope:     "threads_content_publish",
		Blockable: true, BlockSubcodes: []int{459, 464},
	})
}
