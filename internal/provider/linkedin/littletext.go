package linkedin

import "strings"

// littleReserved are the characters LinkedIn's "little" text format gives a
// meaning to (mentions, hashtags, templates). A post's commentary is little
// text: "All reserved characters need to be escaped with a backslash, even
// if those characters are not used in one of the supported elements or
// templates"; unescaped, LinkedIn cuts the text at the first one.
// https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/little-text-format
const littleReserved = `\|{}@[]()<>#*_~`

// escapeLittle writes plain text as little text: every reserved character
// escaped, so that LinkedIn shows the text as written. (#tags show as text,
// not as LinkedIn hashtag links.)
func escapeLittle(s string) string {
	if !strings.ContainsAny(s, littleReserved) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for _, r := range s {
		if strings.ContainsRune(littleReserved, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
