package textcheck_test

import (
	"strings"
	"testing"

	"github.com/humop/humop/internal/textcheck"
)

func TestEmail(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"maria@example.com", true},
		{"maria+tasks@mail.example.co.uk", true},
		{"Maria@Example.com", true},
		{"maria@example", false},
		{"maria.example.com", false},
		{"Maria <maria@example.com>", false},
		{"maria @example.com", false},
		{"maria@example..com", false},
		{"maria@-example.com", false},
		{"@example.com", false},
		{strings.Repeat("a", 65) + "@example.com", false},
		{"ma\u0085ria@example.com", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := textcheck.Email(tt.in); got != tt.want {
			t.Errorf("Email(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestHasControl(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"Maria", false},
		{"Marïa Łopez", false},
		{"Ma\nria", true},
		{"Ma\x7fria", true},
		{"Ma\u0085ria", true},
		{"\u009b31m", true},
	}
	for _, tt := range tests {
		if got := textcheck.HasControl(tt.in); got != tt.want {
			t.Errorf("HasControl(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
