package api_test

import (
	"context"
	"strings"
	"testing"

	"github.com/tokenwatch/tokenwatch/internal/api/apiclient"
)

// TestImport runs the importer through the API: JSON Lines streamed, each
// bad line reported by number while the good ones are kept, records of
// other accounts refused, all or nothing on request, the same file again
// changing nothing, and the JSON document still accepted.
func TestImport(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	c := e.c["write"]
	lines := strings.Join([]string{
		`{"type": "location", "account": "Demo Brand", "name": "Harbor", "time_zone": "Europe/Lisbon"}`,
		`{"type": "page", "account": "Demo Brand", "location": "Harbor", "provider": "threads", "provider_page_id": "th-1", "name": "@harbor", "provider_user_id": "u1", "access_token": "t1"}`,
		`{"type": "page", "account": "Demo Brand", "location": "Nowhere", "provider": "threads", "provider_page_id": "th-2", "name": "@x", "provider_user_id": "u1", "access_token": "t2"}`,
		`{"type": "location", "account": "Other", "name": "Sneaky", "time_zone": "UTC"}`,
		`not json`,
	}, "\n") + "\n"
	res, err := c.ImportPagesWithBodyWithResponse(ctx, nil, "application/x-ndjson", strings.NewReader(lines))
	if err != nil || res.JSON200 == nil {
		t.Fatalf("import: %v %s", err, res.Body)
	}
	r := res.JSON200
	if r.Locations.Created != 1 || r.Pages.Created != 1 || r.Bad != 3 || len(r.Problems) != 3 || *r.Problems[0].Line != 3 ||
		*r.Problems[1].Line != 4 || !strings.Contains(r.Problems[1].Reason, "Other") || *r.Problems[2].Line != 5 {
		t.Errorf("report: %s", res.Body)
	}
	if l, _ := e.w.Store.AccountByName(ctx, "Other"); l != nil {
		if locs, _ := e.w.Store.ListLocations(ctx, l.ID); len(locs) != 1 {
			t.Errorf("the import reached another account: %d locations", len(locs))
		}
	}
	again, _ := c.ImportPagesWithBodyWithResponse(ctx, nil, "application/x-ndjson", strings.NewReader(lines))
	if again.JSON200 == nil || again.JSON200.Locations.Created != 0 || again.JSON200.Pages.Created != 0 || again.JSON200.Pages.Kept != 1 {
		t.Errorf("the same file again: %s", again.Body)
	}
	// All or nothing: the bad line keeps the good ones out.
	atomic := `{"type": "location", "account": "Demo Brand", "name": "Quay", "time_zone": "UTC"}` + "\n" +
		`{"type": "location", "account": "Demo Brand", "name": "", "time_zone": "UTC"}` + "\n"
	at, _ := c.ImportPagesWithBodyWithResponse(ctx, &apiclient.ImportPagesParams{Atomic: ptr(true)}, "application/x-ndjson", strings.NewReader(atomic))
	if at.JSON200 == nil || at.JSON200.Locations.Created != 0 || at.JSON200.NotImported == nil || !*at.JSON200.NotImported {
		t.Errorf("atomic: %s", at.Body)
	}
	// The JSON document.
	doc := `{"accounts": [{"name": "Demo Brand", "locations": [{"name": "Pier", "time_zone": "Asia/Tokyo"}]}]}`
	d, _ := c.ImportPagesWithBodyWithResponse(ctx, nil, "application/json", strings.NewReader(doc))
	if d.JSON200 == nil || d.JSON200.Locations.Created != 1 || d.JSON200.Format != apiclient.Json {
		t.Errorf("a document: %s", d.Body)
	}
	locs, _ := e.c["read"].ListLocationsWithResponse(ctx, nil)
	zones := map[string]string{}
	for _, l := range locs.JSON200.Items {
		zones[l.Name] = l.TimeZone
	}
	if zones["Harbor"] != "Europe/Lisbon" || zones["Pier"] != "Asia/Tokyo" || zones["Quay"] != "" {
		t.Errorf("locations after the imports: %v", zones)
	}
	bad, _ := c.ImportPagesWithBodyWithResponse(ctx, nil, "text/csv", strings.NewReader("a,b"))
	if bad.StatusCode() != 415 {
		t.Errorf("a CSV import: %d %s", bad.StatusCode(), bad.Body)
	}
}
