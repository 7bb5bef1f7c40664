package api

import (
	"errors"
	"mime"
	"net/http"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/access"
	"github.com/tokenwatch/tokenwatch/internal/importer"
)

// ImportPages runs package importer (the one `tokenwatch import` runs) on
// the request body, limited to the key's account: JSON Lines are read as
// a stream, so memory stays flat whatever the body's size.
func (h *Server) ImportPages(w http.ResponseWriter, r *http.Request, params ImportPagesParams) {
	if h.opts.Connection == nil {
		writeProblem(w, unavailable("Importing"))
		return
	}
	if err := allow(r, access.Settings, accountTarget(r), "account"); err != nil {
		writeProblem(w, err)
		return
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil ||
		(mt != "application/x-ndjson" && mt != "application/jsonl" && mt != "application/json") {
		writeProblem(w, &problem{status: http.StatusUnsupportedMediaType, code: "unsupported_media_type", field: "Content-Type",
			detail: "Send JSON Lines (application/x-ndjson) or a JSON document (application/json)."})
		return
	}
	ctx := r.Context()
	acct, err := h.store.GetAccount(ctx, keyFrom(ctx).AccountID)
	if err != nil {
		h.fail(w, err)
		return
	}
	// A large import takes longer than the server's read and write
	// timeouts allow an ordinary request.
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Now().Add(time.Hour))
	_ = rc.SetWriteDeadline(time.Now().Add(time.Hour))
	rep, err := importer.Import(ctx, r.Body, importer.Options{Store: h.store, Connection: h.opts.Connection, Providers: infos,
		Account: acct.Name, Atomic: params.Atomic != nil && *params.Atomic, PasswordCost: h.opts.PasswordCost})
	if err != nil {
		var maxBytes *http.MaxBytesError
		if errors.As(err, &maxBytes) {
			err = &problem{status: http.StatusRequestEntityTooLarge, code: "too_large", field: "body",
				detail: "The body is larger than " + itoa(maxBytes.Limit) + " bytes; what came before the limit was imported."}
		} else if tokenwatch.ErrorCode(err) == tokenwatch.CodeInvalid {
			err = invalid("body", tokenwatch.ErrorMessage(err))
		}
		h.fail(w, err)
		return
	}
	out := ImportReport{Format: formats[rep.Format], Records: rep.Records, Bad: rep.Bad, Problems: []ImportProblem{},
		Locations: count(rep.Locations), Users: count(rep.Users), Memberships: count(rep.Memberships), Pages: count(rep.Pages)}
	for _, p := range rep.Problems {
		ip := ImportProblem{Reason: p.Reason}
		if p.Path != "" {
			ip.Path = &p.Path
		} else {
			line := p.Line
			ip.Line = &line
		}
		out.Problems = append(out.Problems, ip)
	}
	if len(rep.NotImported) > 0 {
		t := true
		out.NotImported = &t
	}
	writeJSON(w, http.StatusOK, out)
}

// formats name the input's format in the report.
var formats = map[importer.Format]ImportReportFormat{importer.Lines: "jsonl", importer.Document: "json"}

func count(c importer.Count) Count { return Count{Created: c.Created, Kept: c.Kept} }
