package web_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// This file is a small DOM for the web tests: a page is parsed as a
// browser would parse it, and a test finds elements with a subset of CSS
// selectors and reads their text and attributes, instead of searching the
// markup for substrings. The subset:
//
//	tag  *  #id  .class  [attr]  [attr=value]  [attr^=prefix]  [attr$=suffix]  [attr*=part]
//
// compounded (tr.issue[data-page="12"]) and combined with descendant
// (table tr) and child (ul > li) combinators. Values may be quoted.

// elem is an element of a parsed page (or the document itself).
type elem struct {
	t testing.TB
	n *html.Node
}

// parseHTML parses a page.
func parseHTML(t testing.TB, body string) *elem {
	t.Helper()
	n, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parsing the page: %v", err)
	}
	return &elem{t: t, n: n}
}

// All returns the elements under e that match the selector, in document
// order.
func (e *elem) All(selector string) []*elem {
	e.t.Helper()
	steps, err := parseSelector(selector)
	if err != nil {
		e.t.Fatalf("selector %q: %v", selector, err)
	}
	var out []*elem
	for n := range e.n.Descendants() {
		if n.Type == html.ElementNode && steps.match(n) {
			out = append(out, &elem{t: e.t, n: n})
		}
	}
	return out
}

// One returns the only element under e that matches the selector, and
// fails the test if there is none or more than one.
func (e *elem) One(selector string) *elem {
	e.t.Helper()
	all := e.All(selector)
	if len(all) != 1 {
		e.t.Fatalf("%d elements match %q, want 1, in:\n%s", len(all), selector, e.HTML())
	}
	return all[0]
}

// Maybe returns the first element under e that matches the selector, or
// nil.
func (e *elem) Maybe(selector string) *elem {
	e.t.Helper()
	if all := e.All(selector); len(all) > 0 {
		return all[0]
	}
	return nil
}

// Text returns the text the element holds as a person reads it: runs of
// white space made one space, words of separate blocks (cells, paragraphs,
// items) kept apart, no script or style.
func (e *elem) Text() string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		switch {
		case n.Type == html.TextNode:
			b.WriteString(n.Data)
			return
		case n.Type == html.ElementNode && (n.DataAtom == atom.Script || n.DataAtom == atom.Style):
			return
		}
		block := n.Type == html.ElementNode && !inline[n.DataAtom]
		if block {
			b.WriteByte(' ')
		}
		for c := range n.ChildNodes() {
			walk(c)
		}
		if block {
			b.WriteByte(' ')
		}
	}
	for c := range e.n.ChildNodes() {
		walk(c)
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// RawText returns the element's text exactly as it is in the page (the
// value of a textarea, say).
func (e *elem) RawText() string {
	var b strings.Builder
	for n := range e.n.Descendants() {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
	}
	return b.String()
}

// inline are the elements whose text runs on with the text around them.
var inline = map[atom.Atom]bool{atom.A: true, atom.Abbr: true, atom.B: true, atom.Code: true, atom.Em: true, atom.I: true,
	atom.Label: true, atom.Mark: true, atom.Small: true, atom.Span: true, atom.Strong: true, atom.Sub: true, atom.Sup: true,
	atom.Time: true, atom.U: true}

// Attr returns an attribute's value, "" if the element has none.
func (e *elem) Attr(name string) string {
	v, _ := attr(e.n, name)
	return v
}

// Has says whether the element has the attribute (inert, checked, ...).
func (e *elem) Has(name string) bool {
	_, ok := attr(e.n, name)
	return ok
}

// Classes returns the element's classes.
func (e *elem) Classes() []string { return strings.Fields(e.Attr("class")) }

// Before says whether e comes before other in the page.
func (e *elem) Before(other *elem) bool {
	root := e.n
	for root.Parent != nil {
		root = root.Parent
	}
	for n := range root.Descendants() {
		switch n {
		case e.n:
			return true
		case other.n:
			return false
		}
	}
	return false
}

// HTML returns the element's markup, for failure messages.
func (e *elem) HTML() string {
	var b strings.Builder
	if err := html.Render(&b, e.n); err != nil {
		return err.Error()
	}
	return b.String()
}

// texts returns the text of each element.
func texts(es []*elem) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Text()
	}
	return out
}

// attrs returns an attribute of each element.
func attrs(es []*elem, name string) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Attr(name)
	}
	return out
}

func attr(n *html.Node, name string) (string, bool) {
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == name {
			return a.Val, true
		}
	}
	return "", false
}

// selector is a parsed selector: compounds from left to right, each with
// the combinator that joins it to the one before.
type selector []step

type step struct {
	child    bool // joined by ">" rather than a space
	tag      string
	id       string
	classes  []string
	attrs    []attrTest
	universe bool
}

type attrTest struct{ name, op, value string }

// match says whether n matches the selector, the last compound being n
// itself and the others its ancestors anywhere in the page (as with
// querySelectorAll: only the elements found must be under the one
// searched).
func (s selector) match(n *html.Node) bool {
	last := len(s) - 1
	if !s[last].match(n) {
		return false
	}
	if last == 0 {
		return true
	}
	rest := s[:last]
	if s[last].child {
		return n.Parent != nil && n.Parent.Type == html.ElementNode && rest.match(n.Parent)
	}
	for a := n.Parent; a != nil; a = a.Parent {
		if a.Type == html.ElementNode && rest.match(a) {
			return true
		}
	}
	return false
}

func (c step) match(n *html.Node) bool {
	if c.tag != "" && n.Data != c.tag {
		return false
	}
	if c.id != "" {
		if v, _ := attr(n, "id"); v != c.id {
			return false
		}
	}
	classes := strings.Fields(func() string { v, _ := attr(n, "class"); return v }())
	for _, cl := range c.classes {
		if !slices.Contains(classes, cl) {
			return false
		}
	}
	for _, a := range c.attrs {
		v, ok := attr(n, a.name)
		if !ok {
			return false
		}
		switch a.op {
		case "=":
			ok = v == a.value
		case "^=":
			ok = strings.HasPrefix(v, a.value)
		case "$=":
			ok = strings.HasSuffix(v, a.value)
		case "*=":
			ok = strings.Contains(v, a.value)
		}
		if !ok {
			return false
		}
	}
	return true
}

type selectorError string

func (e selectorError) Error() string { return string(e) }

// parseSelector parses the subset of CSS selectors described above.
func parseSelector(s string) (selector, error) {
	var (
		out   selector
		child bool
	)
	s = strings.TrimSpace(s)
	for s != "" {
		if s[0] == '>' {
			if child || len(out) == 0 {
				return nil, selectorError("a > without a compound before it")
			}
			child = true
			s = strings.TrimLeft(s[1:], " \t\n")
			continue
		}
		c, rest, err := parseCompound(s)
		if err != nil {
			return nil, err
		}
		c.child = child
		out = append(out, c)
		child = false
		s = strings.TrimLeft(rest, " \t\n")
	}
	if len(out) == 0 || child {
		return nil, selectorError("an empty selector, or one ending in >")
	}
	return out, nil
}

func parseCompound(s string) (step, string, error) {
	var c step
	name := func() string {
		i := 0
		for i < len(s) && (s[i] == '-' || s[i] == '_' || s[i] >= '0' && s[i] <= '9' || s[i] >= 'a' && s[i] <= 'z' || s[i] >= 'A' && s[i] <= 'Z') {
			i++
		}
		n := s[:i]
		s = s[i:]
		return n
	}
	switch {
	case strings.HasPrefix(s, "*"):
		s, c.universe = s[1:], true
	default:
		c.tag = strings.ToLower(name())
	}
	for s != "" && !strings.ContainsRune(" \t\n>", rune(s[0])) {
		switch s[0] {
		case '#':
			s = s[1:]
			if c.id = name(); c.id == "" {
				return c, "", selectorError("# without an id")
			}
		case '.':
			s = s[1:]
			cl := name()
			if cl == "" {
				return c, "", selectorError(". without a class")
			}
			c.classes = append(c.classes, cl)
		case '[':
			end := strings.IndexByte(s, ']')
			if end < 0 {
				return c, "", selectorError("[ without ]")
			}
			a, err := parseAttr(s[1:end])
			if err != nil {
				return c, "", err
			}
			c.attrs = append(c.attrs, a)
			s = s[end+1:]
		default:
			return c, "", selectorError("unexpected " + s[:1])
		}
	}
	if reflect.DeepEqual(c, step{}) {
		return c, "", selectorError("an empty compound")
	}
	return c, s, nil
}

func parseAttr(s string) (attrTest, error) {
	i := strings.IndexAny(s, "^$*=")
	if i < 0 {
		return attrTest{name: strings.TrimSpace(s)}, nil
	}
	a := attrTest{name: strings.TrimSpace(s[:i])}
	rest := s[i:]
	for _, op := range []string{"^=", "$=", "*=", "="} {
		if strings.HasPrefix(rest, op) {
			a.op, a.value = op, strings.TrimSpace(rest[len(op):])
			break
		}
	}
	if a.op == "" || a.name == "" {
		return a, selectorError("cannot read [" + s + "]")
	}
	if len(a.value) >= 2 && (a.value[0] == '"' || a.value[0] == '\'') && a.value[len(a.value)-1] == a.value[0] {
		a.value = a.value[1 : len(a.value)-1]
	}
	return a, nil
}

// TestDOMHelper: the selectors find what a browser's querySelectorAll
// would.
func TestDOMHelper(t *testing.T) {
	t.Parallel()
	doc := parseHTML(t, `<!doctype html><main id="main">
		<table class="issues wide"><tbody>
		<tr class="issue" data-page="12"><td data-label="Page"><strong>Bakery</strong>  <br>
		   <small>expires</small></td><td><form action="/pages/12/reconnect"><button class="danger">Reconnect</button></form></td></tr>
		<tr class="issue done" data-page="13"><td data-label="Page">Café</td><td><p class="contact">Ask <a href="mailto:o@x.test">o@x.test</a></p></td></tr>
		</tbody></table>
		<ul><li>one<ul><li>nested</li></ul></li></ul>
		<div inert><input type="checkbox" name="page" value="12" checked><input name="page" value="13"></div>
		<script>var x = "<tr class=issue>"</script></main>`)
	tests := []struct {
		selector string
		want     []string // texts
	}{
		{"tr", []string{"Bakery expires Reconnect", "Café Ask o@x.test"}},
		{"tr.issue", []string{"Bakery expires Reconnect", "Café Ask o@x.test"}},
		{"tr.issue.done", []string{"Café Ask o@x.test"}},
		{`tr[data-page="12"] td[data-label=Page]`, []string{"Bakery expires"}},
		{"table.wide tr .contact a[href^=mailto:]", []string{"o@x.test"}},
		{"form[action$=/reconnect] button.danger", []string{"Reconnect"}},
		{"form[action*=pages]", []string{"Reconnect"}},
		{"#main > ul > li", []string{"one nested"}},
		{"#main li", []string{"one nested", "nested"}},
		{"ul > li > ul > li", []string{"nested"}},
		{"main > tr", nil},
		{"div[inert] input[checked]", []string{""}},
		{"[data-page]", []string{"Bakery expires Reconnect", "Café Ask o@x.test"}},
		{"* > strong", []string{"Bakery"}},
		{"section", nil},
	}
	for _, tt := range tests {
		if got := texts(doc.All(tt.selector)); !slices.Equal(got, tt.want) && !(len(got) == 0 && len(tt.want) == 0) {
			t.Errorf("%s: %q, want %q", tt.selector, got, tt.want)
		}
	}
	if got := attrs(doc.All("input[name=page]"), "value"); !slices.Equal(got, []string{"12", "13"}) {
		t.Errorf("values %q", got)
	}
	in := doc.All("input")
	if !in[0].Has("checked") || in[1].Has("checked") || !in[0].Before(in[1]) || in[1].Before(in[0]) {
		t.Error("checked, or the order of the inputs")
	}
	if got := doc.One("tr.done").Classes(); !slices.Equal(got, []string{"issue", "done"}) {
		t.Errorf("classes %q", got)
	}
	if doc.Maybe("dialog") != nil {
		t.Error("found a dialog")
	}
	// As with querySelectorAll, the selector is matched in the whole page.
	table := doc.One("table")
	if got := texts(table.All("main table .contact")); !slices.Equal(got, []string{"Ask o@x.test"}) {
		t.Errorf("under the table: %q", got)
	}
	for _, bad := range []string{"", "tr >", "> tr", "tr[", "tr.", "#", "tr[=x]", "tr!"} {
		if _, err := parseSelector(bad); err == nil {
			t.Errorf("selector %q parses", bad)
		}
	}
}
