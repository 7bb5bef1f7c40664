package cli

import (
	"bytes"
	"os"
	"testing"

	"github.com/tokenwatch/tokenwatch/internal/importer"
)

// TestImportProgressLines: away from a terminal, progress is a plain line
// every 10,000 records, saying how many of how many (estimated until a
// first pass has counted them).
func TestImportProgressLines(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	p := newImportProgress(&out)
	if p.tty || p.every != 10_000 {
		t.Fatalf("a buffer: %+v", p)
	}
	for _, pr := range []importer.Progress{
		{Pass: importer.Importing, Format: importer.Lines, Records: 10_000, Bytes: 1_000_000, Size: 10_000_000},
		{Pass: importer.Checking, Format: importer.Document, Records: 10_000},
		{Pass: importer.Importing, Format: importer.Document, Records: 20_000, Total: 30_000},
		{Pass: importer.Importing, Format: importer.Lines, Records: 30_000, Total: 30_000, Done: true},
	} {
		p.show(pr)
	}
	want := "imported 10000 of ~100000 lines\nchecked 10000 records\nimported 20000 of 30000 records\n"
	if out.String() != want {
		t.Errorf("progress:\n%s\nwant:\n%s", out.String(), want)
	}
	f, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if newImportProgress(f).tty {
		t.Error("a file is taken for a terminal")
	}
}
