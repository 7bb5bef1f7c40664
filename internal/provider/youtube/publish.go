package youtube

import (
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/oauthx"
)

// Publish uploads the post's video (YouTube takes nothing else), streamed
// from its media URL into a multipart upload: the metadata first, then the
// video.
func (p *Provider) Publish(ctx context.Context, page *tokenwatch.Page, creds tokenwatch.Credentials, post provider.Post) (string, error) {
	if post.MediaURL == "" {
		return "", p.oauth.Refuse("media_required", "YouTube posts need a video")
	}
	media, contentType, err := p.oauth.Fetch(ctx, post.MediaURL)
	if err != nil {
		return "", err
	}
	defer media.Close()
	if contentType == "" {
		contentType = "video/*"
	}
	title := post.Text
	if len([]rune(title)) > 100 {
		title = string([]rune(title)[:100])
	}
	meta, _ := json.Marshal(map[string]any{
		"snippet": map[string]string{"title": title, "description": post.TextWithLink(), "channelId": page.ProviderPageID},
		"status":  map[string]string{"privacyStatus": "public"},
	})
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() { pw.CloseWithError(writeParts(mw, meta, contentType, media)) }()
	var r struct {
		ID string `json:"id"`
	}
	_, err = p.oauth.Do(ctx, oauthx.Request{
		Method:      http.MethodPost,
		URL:         uploadURL,
		Query:       url.Values{"part": {"snippet,status"}, "uploadType": {"multipart"}},
		Body:        pr,
		ContentType: "multipart/related; boundary=" + mw.Boundary(),
		Token:       creds.AccessToken,
		Media:       true,
	}, &r)
	pr.Close()
	return r.ID, err
}

func writeParts(mw *multipart.Writer, meta []byte, contentType string, media io.Reader) error {
	w, err := mw.CreatePart(textproto.MIMEHeader{"Content-Type": {"application/json; charset=UTF-8"}})
	if err != nil {
		return err
	}
	if _, err := w.Write(meta); err != nil {
		return err
	}
	if w, err = mw.CreatePart(textproto.MIMEHeader{"Content-Type": {contentType}}); err != nil {
		return err
	}
	if _, err := io.Copy(w, media); err != nil {
		return err
	}
	return mw.Close()
}
