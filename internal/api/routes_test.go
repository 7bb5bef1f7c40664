package api_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/api/apiclient"
	"github.com/tokenwatch/tokenwatch/internal/store"
)

func ptr[T any](v T) *T { return &v }

// TestReading reads every list and thing of the account with a read key:
// counts, filters, cursors, worst first, posts at risk, and no token
// anywhere.
func TestReading(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	c := e.c["read"]

	locs, err := c.ListLocationsWithResponse(ctx, &apiclient.ListLocationsParams{Limit: ptr(2)})
	if err != nil || locs.JSON200 == nil || len(locs.JSON200.Items) != 2 || locs.JSON200.NextCursor == nil {
		t.Fatalf("locations, first page: %v %s", err, locs.Body)
	}
	rest, _ := c.ListLocationsWithResponse(ctx, &apiclient.ListLocationsParams{Limit: ptr(2), Cursor: locs.JSON200.NextCursor})
	all := append(locs.JSON200.Items, rest.JSON200.Items...)
	if len(all) != 3 || rest.JSON200.NextCursor != nil {
		t.Fatalf("locations over two pages: %s %s", locs.Body, rest.Body)
	}
	byName := map[string]apiclient.Location{}
	for _, l := range all {
		byName[l.Name] = l
	}
	// Downtown: four pages, one revoked (gbp) and one expiring (ig).
	if d := byName["Downtown"]; d.Pages != 4 || d.Issues != 2 || d.TimeZone != "America/New_York" {
		t.Errorf("Downtown: %+v", d)
	}
	one, _ := c.GetLocationWithResponse(ctx, byName["Riverside"].Id)
	if one.JSON200 == nil || one.JSON200.Issues != 3 {
		t.Errorf("Riverside: %s", one.Body)
	}
	people, _ := c.ListParticipantsWithResponse(ctx, byName["Downtown"].Id, nil)
	if people.JSON200 == nil || len(people.JSON200.Items) != 4 {
		t.Errorf("Downtown's participants: %s", people.Body)
	}
	users, _ := c.ListUsersWithResponse(ctx, &apiclient.ListUsersParams{Limit: ptr(3)})
	if users.JSON200 == nil || len(users.JSON200.Items) != 3 || users.JSON200.NextCursor == nil {
		t.Errorf("users: %s", users.Body)
	}
	notes, _ := c.ListNotificationsWithResponse(ctx, e.w.Users["owner@demo.test"].ID, nil)
	if notes.JSON200 == nil {
		t.Errorf("notifications: %s", notes.Body)
	}

	// Pages, five at a time, all thirteen once.
	var pages []apiclient.Page
	var cursor *string
	for range 10 {
		res, err := c.ListPagesWithResponse(ctx, &apiclient.ListPagesParams{Limit: ptr(5), Cursor: cursor})
		if err != nil || res.JSON200 == nil {
			t.Fatalf("pages: %v %s", err, res.Body)
		}
		pages = append(pages, res.JSON200.Items...)
		if cursor = res.JSON200.NextCursor; cursor == nil {
			break
		}
	}
	if len(pages) != len(e.w.Pages) {
		t.Fatalf("%d pages over the pages of results, want %d", len(pages), len(e.w.Pages))
	}
	revoked, _ := c.ListPagesWithResponse(ctx, &apiclient.ListPagesParams{State: &[]apiclient.State{apiclient.StateRevoked}})
	if revoked.JSON200 == nil || len(revoked.JSON200.Items) != 1 || !strings.HasSuffix(revoked.JSON200.Items[0].ProviderPageId, "gbp-downtown") {
		t.Errorf("revoked pages: %s", revoked.Body)
	}
	li, _ := c.ListPagesWithResponse(ctx, &apiclient.ListPagesParams{Network: ptr(apiclient.Linkedin)})
	if li.JSON200 == nil || len(li.JSON200.Items) != 2 {
		t.Errorf("LinkedIn pages: %s", li.Body)
	}
	page, _ := c.GetPageWithResponse(ctx, e.w.Pages["fb-riverside"].ID)
	if page.JSON200 == nil || page.JSON200.State != apiclient.StateExpired || page.JSON200.Deadline == nil ||
		!strings.HasSuffix(page.JSON200.ReconnectUrl, "/reconnect") {
		t.Errorf("an expired page: %s", page.Body)
	}

	// Issues: worst first, with the posts at risk.
	issues, _ := c.ListIssuesWithResponse(ctx, &apiclient.ListIssuesParams{Total: ptr(true)})
	if issues.JSON200 == nil || issues.JSON200.Total == nil || *issues.JSON200.Total != 7 || len(issues.JSON200.Items) != 7 {
		t.Fatalf("issues: %s", issues.Body)
	}
	var sev []int
	for _, is := range issues.JSON200.Items {
		sev = append(sev, tokenwatch.State(is.Page.State).Severity())
	}
	if !slices.IsSortedFunc(sev, func(a, b int) int { return b - a }) {
		t.Errorf("issues not worst first: %v", sev)
	}
	atRisk := 0
	for _, is := range issues.JSON200.Items {
		atRisk += is.PostsAtRisk
	}
	if atRisk == 0 {
		t.Errorf("no post at risk in the issues: %s", issues.Body)
	}
	filtered, _ := c.ListIssuesWithResponse(ctx, &apiclient.ListIssuesParams{Location: ptr(byName["Downtown"].Id), Limit: ptr(1), Total: ptr(true)})
	if filtered.JSON200 == nil || *filtered.JSON200.Total != 2 || len(filtered.JSON200.Items) != 1 || filtered.JSON200.NextCursor == nil ||
		filtered.JSON200.Items[0].Page.State != apiclient.StateRevoked {
		t.Errorf("Downtown's issues, one at a time: %s", filtered.Body)
	}

	// Posts by scheduled time, two at a time.
	var posts []apiclient.Post
	cursor = nil
	for range 20 {
		res, _ := c.ListPostsWithResponse(ctx, &apiclient.ListPostsParams{Limit: ptr(2), Cursor: cursor})
		if res.JSON200 == nil {
			t.Fatalf("posts: %s", res.Body)
		}
		posts = append(posts, res.JSON200.Items...)
		if cursor = res.JSON200.NextCursor; cursor == nil {
			break
		}
	}
	if len(posts) == 0 || !slices.IsSortedFunc(posts, func(a, b apiclient.Post) int { return a.ScheduledAt.Compare(b.ScheduledAt) }) {
		t.Fatalf("posts by time: %d", len(posts))
	}
	for _, p := range posts {
		if p.LocationId == e.other.location {
			t.Fatal("another account's post is listed")
		}
	}
	held, _ := c.ListPostsWithResponse(ctx, &apiclient.ListPostsParams{Status: &[]apiclient.PostStatus{apiclient.PostStatusScheduled}})
	if held.JSON200 == nil || len(held.JSON200.Items) == 0 {
		t.Errorf("scheduled posts: %s", held.Body)
	}
	post, _ := c.GetPostWithResponse(ctx, posts[0].Id)
	if post.JSON200 == nil || len(post.JSON200.Targets) == 0 {
		t.Fatalf("one post: %s", post.Body)
	}
	// A page where the post is published gives the network's link to it.
	const link = "https://www.facebook.com/FacebookforDevelopers/posts/10153449196353553"
	target := post.JSON200.Targets[0]
	if target.Url != nil {
		t.Errorf("a page not yet published has the link %q", *target.Url)
	}
	if err := e.w.Store.SetPublishResult(ctx, posts[0].Id, target.PageId, store.PublishResult{Status: tokenwatch.PostPublished,
		ProviderPostID: "134895793791914_10152375124046684", URL: link}); err != nil {
		t.Fatal(err)
	}
	post, _ = c.GetPostWithResponse(ctx, posts[0].Id)
	if post.JSON200 == nil || post.JSON200.Targets[0].Url == nil || *post.JSON200.Targets[0].Url != link ||
		post.JSON200.Targets[0].Status != apiclient.PostStatusPublished {
		t.Errorf("the published page: %s", post.Body)
	}
	hooks, _ := c.ListWebhooksWithResponse(ctx)
	settings, _ := c.GetSettingsWithResponse(ctx)
	grants, _ := c.ListTokenGrantsWithResponse(ctx, nil)
	if hooks.JSON200 == nil || settings.JSON200 == nil || grants.JSON200 == nil {
		t.Errorf("webhooks %s, settings %s, token grants %s", hooks.Body, settings.Body, grants.Body)
	}
	doc, _ := e.c["none"].GetOpenAPIWithResponse(ctx)
	if doc.StatusCode() != http.StatusOK || !strings.Contains(string(doc.Body), `"openapi": "3.1.0"`) {
		t.Errorf("the document: %d %.100s", doc.StatusCode(), doc.Body)
	}
	for _, b := range [][]byte{locs.Body, page.Body, issues.Body} {
		if strings.Contains(string(b), "access_token") {
			t.Errorf("a token in a read: %s", b)
		}
	}
}

// TestChanging changes the account with a write key: locations, people,
// pages registered with tokens and renewed, posts, settings.
func TestChanging(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	c := e.c["write"]

	loc, err := c.CreateLocationWithResponse(ctx, nil, apiclient.LocationInput{Name: "Harbor", TimeZone: "Europe/Lisbon"})
	if err != nil || loc.JSON201 == nil || loc.HTTPResponse.Header.Get("Location") == "" {
		t.Fatalf("create location: %v %s", err, loc.Body)
	}
	// The API makes its changes through the same use cases as the web UI:
	// they are in the account's audit log, under the key's name.
	if es, err := e.w.Store.QueryAudit(ctx, store.AuditQuery{AccountID: e.w.Users["owner@demo.test"].AccountID, Action: "location.created"}); err != nil ||
		len(es) != 1 || es[0].ActorKind != "api_key" || !strings.HasPrefix(es[0].ActorName, "API key ") || es[0].Subject != "Harbor" {
		t.Errorf("the audit log after creating a location through the API: %+v %v", es, err)
	}
	dup, _ := c.CreateLocationWithResponse(ctx, nil, apiclient.LocationInput{Name: "Harbor", TimeZone: "UTC"})
	if dup.StatusCode() != http.StatusConflict || dup.ApplicationproblemJSONDefault.Field == nil || *dup.ApplicationproblemJSONDefault.Field != "name" {
		t.Errorf("a second Harbor: %d %s", dup.StatusCode(), dup.Body)
	}
	id := loc.JSON201.Id
	upd, _ := c.UpdateLocationWithResponse(ctx, id, apiclient.LocationPatch{TimeZone: ptr("Europe/Madrid")})
	if upd.JSON200 == nil || upd.JSON200.TimeZone != "Europe/Madrid" || upd.JSON200.Name != "Harbor" {
		t.Errorf("update location: %s", upd.Body)
	}
	member := e.w.Users["member@demo.test"]
	part, _ := c.SetParticipantWithResponse(ctx, id, member.ID, apiclient.RoleInput{Role: apiclient.Manager})
	if part.JSON200 == nil || part.JSON200.Role != apiclient.Manager {
		t.Errorf("set participant: %s", part.Body)
	}
	if role, _ := e.w.Store.RoleAt(ctx, member.ID, id); role != tokenwatch.RoleManager {
		t.Errorf("the member's role at Harbor is %q", role)
	}
	gone, _ := c.RemoveParticipantWithResponse(ctx, id, member.ID)
	if gone.StatusCode() != http.StatusNoContent {
		t.Errorf("remove participant: %d %s", gone.StatusCode(), gone.Body)
	}

	// A page registered with its tokens, renewed, then disconnected.
	exp := e.w.Clock.Now().Add(50 * 24 * time.Hour).UTC().Truncate(time.Second)
	page, _ := c.CreatePageWithResponse(ctx, nil, apiclient.PageInput{LocationId: id, Network: apiclient.Threads, ProviderPageId: "th-harbor",
		Name: "@harbor", ProviderUserId: "th-user", AccessToken: "th-secret-token", AccessExpiresAt: &exp, Scopes: &[]string{"threads_basic"}})
	if page.JSON201 == nil || page.JSON201.State != apiclient.StateHealthy || page.JSON201.Generation != 1 || strings.Contains(string(page.Body), "th-secret-token") {
		t.Fatalf("register a page: %s", page.Body)
	}
	again, _ := c.CreatePageWithResponse(ctx, nil, apiclient.PageInput{LocationId: id, Network: apiclient.Threads, ProviderPageId: "th-harbor",
		Name: "@harbor", ProviderUserId: "th-user", AccessToken: "x"})
	if again.StatusCode() != http.StatusConflict {
		t.Errorf("the same page again: %d %s", again.StatusCode(), again.Body)
	}
	del, _ := c.DeleteLocationWithResponse(ctx, id)
	if del.StatusCode() != http.StatusConflict {
		t.Errorf("deleting a location with a page: %d %s", del.StatusCode(), del.Body)
	}
	soon := e.w.Clock.Now().Add(2 * 24 * time.Hour)
	renewed, _ := c.UpdatePageTokensWithResponse(ctx, page.JSON201.Id, apiclient.TokensInput{AccessToken: "th-new-token", AccessExpiresAt: &soon})
	if renewed.JSON200 == nil || renewed.JSON200.Generation != 2 || renewed.JSON200.State != apiclient.StateExpiring {
		t.Errorf("renew the page's tokens: %s", renewed.Body)
	}
	if creds, _ := e.w.Store.PageCredentials(ctx, page.JSON201.Id); creds.AccessToken.Reveal() != "th-new-token" {
		t.Error("the new access token was not stored")
	}

	// A post to it, cancelled.
	at := e.w.Clock.Now().Add(3 * time.Hour)
	post, _ := c.CreatePostWithResponse(ctx, nil, apiclient.PostInput{LocationId: id, PageIds: []int64{page.JSON201.Id}, Text: ptr("Fresh bread"), ScheduledAt: at})
	if post.JSON201 == nil || post.JSON201.Status != apiclient.PostStatusScheduled || len(post.JSON201.Targets) != 1 {
		t.Fatalf("schedule a post: %s", post.Body)
	}
	cancel, _ := c.CancelPostWithResponse(ctx, post.JSON201.Id)
	if cancel.StatusCode() != http.StatusNoContent {
		t.Errorf("cancel the post: %d %s", cancel.StatusCode(), cancel.Body)
	}
	if g, _ := c.GetPostWithResponse(ctx, post.JSON201.Id); g.StatusCode() != http.StatusNotFound {
		t.Errorf("a cancelled post: %d", g.StatusCode())
	}
	disc, _ := c.DisconnectPageWithResponse(ctx, page.JSON201.Id)
	if disc.StatusCode() != http.StatusNoContent {
		t.Errorf("disconnect: %d %s", disc.StatusCode(), disc.Body)
	}
	if del, _ := c.DeleteLocationWithResponse(ctx, id); del.StatusCode() != http.StatusNoContent {
		t.Errorf("deleting the empty location: %d %s", del.StatusCode(), del.Body)
	}

	// Settings.
	set, _ := c.UpdateSettingsWithResponse(ctx, apiclient.SettingsPatch{AlertThresholds: &[]string{"14d", "2d"},
		ReturnUrls: &[]string{"https://platform.example/tokenwatch"}})
	if set.JSON200 == nil || !slices.Equal(set.JSON200.AlertThresholds, []string{"14d", "2d"}) || len(set.JSON200.ReturnUrls) != 1 {
		t.Errorf("settings: %s", set.Body)
	}
	bad, _ := c.UpdateSettingsWithResponse(ctx, apiclient.SettingsPatch{ReturnUrls: &[]string{"http://platform.example/"}})
	if bad.StatusCode() != http.StatusBadRequest || *bad.ApplicationproblemJSONDefault.Field != "return_urls" {
		t.Errorf("a plain-HTTP return URL: %d %s", bad.StatusCode(), bad.Body)
	}
	badT, _ := c.UpdateSettingsWithResponse(ctx, apiclient.SettingsPatch{AlertThresholds: &[]string{"soon"}})
	if badT.StatusCode() != http.StatusBadRequest || *badT.ApplicationproblemJSONDefault.Field != "alert_thresholds" {
		t.Errorf("a bad threshold: %d %s", badT.StatusCode(), badT.Body)
	}
}

// TestWebhooks: public HTTPS targets only; the secret shown once.
func TestWebhooks(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	c := e.c["write"]
	for _, target := range []string{"http://93.184.216.34/hook", "https://127.0.0.1/hook", "https://10.1.2.3/hook", "https://192.168.1.1/",
		"https://169.254.169.254/latest", "https://[::1]/hook", "https://[fe80::1]/", "https://100.64.0.1/", "https://localhost/hook", "ftp://x/"} {
		res, _ := c.CreateWebhookWithResponse(ctx, nil, apiclient.WebhookInput{Url: target})
		if res.StatusCode() != http.StatusBadRequest || *res.ApplicationproblemJSONDefault.Field != "url" {
			t.Errorf("webhook %s: %d %s", target, res.StatusCode(), res.Body)
		}
	}
	ok, _ := c.CreateWebhookWithResponse(ctx, nil, apiclient.WebhookInput{Url: "https://93.184.216.34/hook"})
	if ok.JSON201 == nil || ok.JSON201.Secret == nil || len(*ok.JSON201.Secret) < 16 {
		t.Fatalf("a public endpoint: %s", ok.Body)
	}
	list, _ := c.ListWebhooksWithResponse(ctx)
	if list.JSON200 == nil || len(list.JSON200.Items) != 1 || list.JSON200.Items[0].Secret != nil {
		t.Errorf("the list shows the secret or misses the endpoint: %s", list.Body)
	}
	off, _ := c.DisableWebhookWithResponse(ctx, ok.JSON201.Id)
	if off.StatusCode() != http.StatusNoContent {
		t.Errorf("disable: %d %s", off.StatusCode(), off.Body)
	}
	list, _ = c.ListWebhooksWithResponse(ctx)
	if list.JSON200.Items[0].Active {
		t.Error("the endpoint is still active")
	}
}
