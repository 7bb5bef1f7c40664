package all

import (
	"testing"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
)

func TestNewBuildsEveryNetwork(t *testing.T) {
	t.Parallel()
	r := New(map[tokenwatch.Provider]provider.Config{tokenwatch.LinkedIn: {RefreshEnabled: true}})
	for _, p := range tokenwatch.Providers {
		pr, err := r.Get(p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if pr.Info().Name != p {
			t.Errorf("%s is built as %s", p, pr.Info().Name)
		}
	}
	if !r[tokenwatch.LinkedIn].Info().AutoRefresh {
		t.Error("LinkedIn's configuration was not passed")
	}
	if _, err := r.Get("myspace"); tokenwatch.ErrorCode(err) != tokenwatch.CodeNotFound {
		t.Errorf("unknown network: %v", err)
	}
}
