package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"hash"
	"io"
	"net/http"
)

// maxIdempotencyKey bounds an Idempotency-Key.
const maxIdempotencyKey = 255

// storedReply is a reply kept for an Idempotency-Key.
type storedReply struct {
	Status int               `json:"status"`
	Header map[string]string `json:"header"`
	Body   []byte            `json:"body"`
}

// replayedHeaders are the headers a stored reply keeps.
var replayedHeaders = []string{"Content-Type", "Location", "Retry-After"}

// idempotent answers a POST sent with an Idempotency-Key once: the first
// request's reply is stored (sealed: a token's reply holds the token) with
// the hash of the request; the same key with the same request is answered
// that reply again, with another request 422, and while the first is
// still being answered 409. Server errors and rate limits are not stored,
// so that a retry runs again.
func (h *Server) idempotent(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		idem := r.Header.Get("Idempotency-Key")
		key := keyFrom(r.Context())
		if r.Method != http.MethodPost || idem == "" || key == nil {
			next.ServeHTTP(w, r)
			return
		}
		if len(idem) > maxIdempotencyKey {
			writeProblem(w, invalid("Idempotency-Key", "An Idempotency-Key has at most 255 characters."))
			return
		}
		ctx := r.Context()
		first, err := h.store.BeginIdempotent(ctx, key.ID, idem)
		if err != nil {
			h.fail(w, err)
			return
		}
		hasher := requestHasher(r)
		if first != nil {
			if !first.Done {
				writeProblem(w, &problem{status: http.StatusConflict, code: "conflict", field: "Idempotency-Key",
					detail: "A request with this Idempotency-Key is being answered; try again in a moment."})
				return
			}
			if _, err := io.Copy(hasher, r.Body); err != nil {
				writeProblem(w, invalid("body", "The body could not be read."))
				return
			}
			if hex.EncodeToString(hasher.Sum(nil)) != first.RequestHash {
				writeProblem(w, &problem{status: http.StatusUnprocessableEntity, code: "idempotency_mismatch", field: "Idempotency-Key",
					detail: "This Idempotency-Key was used for another request; use a new key for a new request."})
				return
			}
			var rep storedReply
			if err := json.Unmarshal(first.Reply, &rep); err != nil {
				h.fail(w, err)
				return
			}
			for k, v := range rep.Header {
				w.Header().Set(k, v)
			}
			w.Header().Set("Idempotent-Replayed", "true")
			w.WriteHeader(rep.Status)
			w.Write(rep.Body)
			return
		}
		r.Body = struct {
			io.Reader
			io.Closer
		}{io.TeeReader(r.Body, hasher), r.Body}
		rec := &recorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		// The hash covers the whole body, also what the handler did not read.
		_, _ = io.Copy(io.Discard, r.Body)
		ctx = context.WithoutCancel(ctx)
		if rec.status >= 500 || rec.status == http.StatusTooManyRequests {
			if err := h.store.AbandonIdempotent(ctx, key.ID, idem); err != nil {
				h.opts.Logger.Error("forgetting an idempotency key", "err", err)
			}
			return
		}
		rep := storedReply{Status: rec.status, Header: map[string]string{}, Body: rec.body.Bytes()}
		for _, k := range replayedHeaders {
			if v := rec.Header().Get(k); v != "" {
				rep.Header[k] = v
			}
		}
		b, _ := json.Marshal(rep)
		if err := h.store.FinishIdempotent(ctx, key.ID, idem, hex.EncodeToString(hasher.Sum(nil)), rep.Status, b); err != nil {
			h.opts.Logger.Error("storing an idempotent reply", "err", err)
		}
	})
}

// requestHasher starts the hash of a request with what identifies it
// besides its body.
func requestHasher(r *http.Request) hash.Hash {
	hs := sha256.New()
	io.WriteString(hs, r.Method+" "+r.URL.Path+"?"+r.URL.RawQuery+"\n"+r.Header.Get("Content-Type")+"\n")
	return hs
}

// recorder passes a reply on and keeps a copy.
type recorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
	wrote  bool
}

func (rec *recorder) WriteHeader(status int) {
	if !rec.wrote {
		rec.status, rec.wrote = status, true
	}
	rec.ResponseWriter.WriteHeader(status)
}

func (rec *recorder) Write(b []byte) (int, error) {
	rec.wrote = true
	rec.body.Write(b)
	return rec.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (rec *recorder) Unwrap() http.ResponseWriter { return rec.ResponseWriter }
