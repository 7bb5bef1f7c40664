package meta

import (
	"encoding/json"
	"testing"
)

// debug_token's documented sample gives app_id (and, on older pages,
// user_id) as numbers; newer ones as strings. Both read.
// https://developers.facebook.com/docs/facebook-login/guides/access-tokens/debugging
func TestDebugDataReadsNumericAndStringIDs(t *testing.T) {
	t.Parallel()
	for _, body := range []string{
		`{"data":{"app_id":138483919580948,"type":"USER","application":"Social Cafe","expires_at":1352419328,"is_valid":true,"issued_at":1347235328,"metadata":{"sso":"iphone-safari"},"scopes":["email","publish_actions"],"user_id":1207059}}`,
		`{"data":{"app_id":138483919580948,"type":"USER","application":"Social Cafe","expires_at":1352419328,"is_valid":true,"issued_at":1347235328,"metadata":{"sso":"iphone-safari"},"scopes":["email","publish_actions"],"user_id":"1207059"}}`,
	} {
		var r struct {
			Data DebugData `json:"data"`
		}
		if err := json.Unmarshal([]byte(body), &r); err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		if in := r.Data.Inspection(); in.UserID != "1207059" || in.AccessExpiresAt.Unix() != 1352419328 || len(in.Scopes) != 2 {
			t.Errorf("%s: %+v", body, in)
		}
	}
}
