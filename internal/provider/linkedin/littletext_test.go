package linkedin

import "testing"

// https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/little-text-format
func TestEscapeLittle(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Fresh bread at 7":                  "Fresh bread at 7",
		"Croissants (fresh) at 7":           `Croissants \(fresh\) at 7`,
		"#bakery @home":                     `\#bakery \@home`,
		`a\b|c{d}e[f]g<h>i*j_k~l`:           `a\\b\|c\{d\}e\[f\]g\<h\>i\*j\_k\~l`,
		"50% off — crème brûlée, 2 for 1 €": "50% off — crème brûlée, 2 for 1 €",
		"https://bakery.example/a_b?x=(1)":  `https://bakery.example/a\_b?x=\(1\)`,
	} {
		if got := escapeLittle(in); got != want {
			t.Errorf("escapeLittle(%q) = %q, want %q", in, got, want)
		}
	}
}
