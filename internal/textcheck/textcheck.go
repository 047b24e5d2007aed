// Package textcheck holds the checks on free text that several domain
// packages share: whether a string is a plain email address, whether it
// holds control characters.
package textcheck

import (
	"net/mail"
	"strings"
	"unicode"
)

// Email reports whether s, already trimmed, is a bare address (no display
// name, no angle brackets) with a local part of 1 to 64 bytes and a domain
// of at least two labels, none empty or starting or ending with a dash.
func Email(s string) bool {
	if strings.ContainsAny(s, " \t\r\n<>\"") || HasControl(s) {
		return false
	}
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Name != "" || addr.Address != s {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	local, domain := s[:at], s[at+1:]
	if local == "" || len(local) > 64 {
		return false
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-") {
			return false
		}
	}
	return true
}

// HasControl reports whether s holds a control character, C0 or C1.
func HasControl(s string) bool {
	return strings.IndexFunc(s, unicode.IsControl) >= 0
}
