package web

import (
	"strconv"

	"github.com/tokenwatch/tokenwatch/internal/store"
)

// selectField is a labelled <select> of a filter form.
type selectField struct {
	ID, Name, Label string
	Options         []option
}

// option is one choice of a <select>.
type option struct {
	Value, Label string
	Selected     bool
}

// locationOptions lists the user's locations, the selected one marked; all,
// when not empty, is the label of a first choice meaning every location.
func locationOptions(locs []store.LocationRole, selected int64, all string) []option {
	var out []option
	if all != "" {
		out = append(out, option{Value: "", Label: all, Selected: selected == 0})
	}
	for _, l := range locs {
		out = append(out, option{Value: strconv.FormatInt(l.ID, 10), Label: l.Name, Selected: l.ID == selected})
	}
	return out
}
