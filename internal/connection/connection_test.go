package connection_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/connection"
	"github.com/tokenwatch/tokenwatch/internal/lifecycle"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/all"
	"github.com/tokenwatch/tokenwatch/internal/store"
	"github.com/tokenwatch/tokenwatch/internal/store/storetest"
)

// TestCreateAll: pages created together are evaluated at the service's
// clock under their account's own thresholds, and a page there already is
// left as it is.
func TestCreateAll(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Date(2031, 3, 1, 12, 0, 0, 0, time.UTC) // far from the real clock
	st := storetest.Open(t, filepath.Join(t.TempDir(), "tw.db"), store.Options{Now: func() time.Time { return now }})
	f := storetest.Seed(t, st)
	if err := st.SetAlertThresholds(ctx, f.Account.ID, []time.Duration{30 * 24 * time.Hour}); err != nil {
		t.Fatal(err)
	}
	providers := all.New(nil)
	svc := connection.New(st, connection.Options{Providers: providers, Policy: lifecycle.Default(), Now: func() time.Time { return now }})
	info := providers[tokenwatch.X].Info()
	page := func(id string, expiresIn time.Duration) store.NewPage {
		g := connection.Grant{Token: provider.Token{AccessToken: tokenwatch.NewSecret("t-" + id), AccessExpiresAt: now.Add(expiresIn)}, UserID: "u"}
		p, c := connection.NewPage(info, g, f.Account.ID, f.Downtown.ID, id, "X "+id, f.Manager.ID)
		return store.NewPage{Page: p, Credentials: c}
	}
	pages := []store.NewPage{page("20d", 20*24*time.Hour), page("40d", 40*24*time.Hour), page("gone", -time.Hour), page("20d", time.Hour)}
	created, err := svc.CreateAll(ctx, pages)
	if err != nil || created != 3 {
		t.Fatalf("CreateAll: %d, %v; want 3 created", created, err)
	}
	want := []tokenwatch.State{tokenwatch.StateExpiring, tokenwatch.StateHealthy, tokenwatch.StateExpired}
	for i, w := range want {
		got, err := st.GetPage(ctx, pages[i].Page.ID)
		if err != nil || got.State != w || !got.NextDueAt.Equal(now) || got.ConnectedBy != f.Manager.ID {
			t.Errorf("page %s: %+v, %v; want %s, due now", pages[i].Page.ProviderPageID, got, err, w)
		}
	}
	if pages[3].Page.ID != 0 {
		t.Errorf("the page given twice was created twice")
	}
}
