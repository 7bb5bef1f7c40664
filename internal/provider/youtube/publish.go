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

// lockedPrivate is the note on an upload YouTube made private though
// tokenwatch asked for public.
const lockedPrivate = "YouTube published the video as private, not public: it restricts uploads from API projects it has not audited " +
	"to private viewing (https://developers.google.com/youtube/v3/docs/videos/insert). The operator of tokenwatch must have the app's " +
	"Google Cloud project pass YouTube's API audit for uploads to be public."

// Publish uploads the post's video (YouTube takes nothing else),
// streamed from its media URL into a multipart upload: the metadata first,
// then the video. It asks for a public video; when YouTube answers with
// another privacy status (uploads of unaudited API projects are made
// private), the upload stands and the note says why. The upload costs
// 1,600 of the project's quota units a day (10,000 by default); an
// exhausted quota is a service problem of the app. The video's link is its
// watch page, https://www.youtube.com/watch?v={id}, as YouTube's own API
// samples link an uploaded video
// (github.com/youtube/api-samples, python_appengine/user_uploads/index.html).
func (p *Provider) Publish(ctx context.Context, page *tokenwatch.Page, creds tokenwatch.Credentials, post provider.Post) (provider.Published, error) {
	if post.MediaURL == "" {
		return provider.Published{}, p.oauth.Refuse("media_required", "YouTube posts need a video")
	}
	media, contentType, err := p.oauth.Fetch(ctx, post.MediaURL)
	if err != nil {
		return provider.Published{}, err
	}
	defer media.Close()
	if contentType == "" {
		contentType = "video/*"
	}
	title := post.Text
	if len([]rune(title)) > 100 {
		title = string([]rune(title)[:100])
	}
	const asked = "public"
	meta, _ := json.Marshal(map[string]any{
		"snippet": map[string]string{"title": title, "description": post.TextWithLink(), "channelId": page.ProviderPageID},
		"status":  map[string]string{"privacyStatus": asked},
	})
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() { pw.CloseWithError(writeParts(mw, meta, contentType, media)) }()
	var r struct {
		ID     string `json:"id"`
		Status struct {
			PrivacyStatus string `json:"privacyStatus"`
		} `json:"status"`
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
	if err != nil {
		return provider.Published{}, err
	}
	pub := provider.Published{ID: r.ID}
	if r.ID != "" {
		pub.URL = provider.Link(p.oauth.URL(watchURL + "?v=" + url.QueryEscape(r.ID)))
	}
	if got := r.Status.PrivacyStatus; got != "" && got != asked {
		pub.Note = lockedPrivate
	}
	return pub, nil
}

// watchURL is where YouTube shows a video.
const watchURL = "https://www.youtube.com/watch"

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
