package country_test

import (
	"testing"

	"github.com/humop/humop/country"
)

func TestCode(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
		ok   bool
	}{
		{"upper-case code is accepted", "DE", "DE", true},
		{"lower-case code is canonicalised", "de", "DE", true},
		{"mixed-case code is canonicalised", "gB", "GB", true},
		{"surrounding spaces are trimmed", "  fr ", "FR", true},
		{"surrounding tabs and newlines are trimmed", "\tUS\n", "US", true},
		{"recently assigned code is accepted", "ss", "SS", true},
		{"first code in list is accepted", "AD", "AD", true},
		{"last code in list is accepted", "ZW", "ZW", true},
		{"user-assigned XX is rejected", "XX", "XX", false},
		{"reserved UK is rejected", "UK", "UK", false},
		{"reserved EU is rejected", "eu", "EU", false},
		{"user-assigned ZZ is rejected", "ZZ", "ZZ", false},
		{"user-assigned AA is rejected", "AA", "AA", false},
		{"Kosovo XK is not officially assigned", "xk", "XK", false},
		{"single letter is rejected", "D", "D", false},
		{"alpha-3 code is rejected", "DEU", "DEU", false},
		{"empty string is rejected", "", "", false},
		{"blank string is rejected", "   ", "", false},
		{"inner space is rejected", "D E", "D E", false},
		{"digit is rejected", "D1", "D1", false},
		{"non-ASCII letter is rejected", "dé", "Dé", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := country.Code(tt.in)
			if got != tt.want || ok != tt.ok {
				t.Errorf("Code(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestCodeAssignsExactly249Codes(t *testing.T) {
	var n int
	for a := 'A'; a <= 'Z'; a++ {
		for b := 'A'; b <= 'Z'; b++ {
			code := string([]rune{a, b})
			got, ok := country.Code(code)
			if got != code {
				t.Errorf("Code(%q) = %q, %v; want %q, %v", code, got, ok, code, ok)
			}
			if ok {
				n++
			}
		}
	}
	if n != 249 {
		t.Errorf("Code accepts %d of AA..ZZ; want 249", n)
	}
}
