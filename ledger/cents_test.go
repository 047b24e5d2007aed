package ledger_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/humop/humop/fault"
	"github.com/humop/humop/ledger"
)

const (
	ruleSyntax   = "must be a number such as 15 or 99.97"
	ruleExponent = "must be written without an exponent, such as 100 rather than 1e2"
	ruleDecimals = "must have at most two decimal places"
	ruleNegative = "must not be negative"
	ruleTooLarge = "must be at most 10000000000.00"
)

func TestParseUSD(t *testing.T) {
	tests := []struct {
		in        string
		want      ledger.Cents
		rule      string // empty when the amount is accepted
		behaviour string
	}{
		{"15", 1500, "", "whole dollars are accepted"},
		{"99.97", 9997, "", "two decimals are accepted"},
		{"0.5", 50, "", "one decimal is tenths of a dollar"},
		{"0.05", 5, "", "a leading zero decimal is cents"},
		{"0.1", 10, "", "0.1 is exactly ten cents"},
		{"0.2", 20, "", "0.2 is exactly twenty cents"},
		{"0.30", 30, "", "0.30 is exactly thirty cents"},
		{"15.00", 1500, "", "trailing zeros within two decimals are accepted"},
		{"0", 0, "", "zero is accepted: whether it is allowed is the caller's rule"},
		{"-0", 0, "", "negative zero is zero"},
		{"-0.00", 0, "", "negative zero with decimals is zero"},
		{"10000000000", ledger.MaxAmount, "", "the maximum is accepted"},
		{"10000000000.00", ledger.MaxAmount, "", "the maximum with decimals is accepted"},
		{"9999999999.99", ledger.MaxAmount - 1, "", "just under the maximum is accepted"},

		{"10.005", 0, ruleDecimals, "three decimals are refused"},
		{"10.500", 0, ruleDecimals, "three written decimals are refused even when the last is zero"},
		{"0.30000000000000004", 0, ruleDecimals, "a float rounding artefact is refused"},
		{"-1", 0, ruleNegative, "a negative amount is refused"},
		{"-0.01", 0, ruleNegative, "a negative cent is refused"},
		{"-99999999999999999999", 0, ruleNegative, "a huge negative amount is refused for its sign"},
		{"1e3", 0, ruleExponent, "an exponent is refused"},
		{"1E3", 0, ruleExponent, "an upper-case exponent is refused"},
		{"1.5e2", 0, ruleExponent, "a fraction with an exponent is refused"},
		{"1e-2", 0, ruleExponent, "a negative exponent is refused"},
		{"-1e3", 0, ruleExponent, "a negative number with an exponent is refused for the exponent"},
		{"9999999999999999999", 0, ruleTooLarge, "a number past int64 is refused as too large"},
		{"10000000000.01", 0, ruleTooLarge, "one cent over the maximum is refused"},
		{"99999999999", 0, ruleTooLarge, "eleven nines are refused as too large"},
		{"NaN", 0, ruleSyntax, "NaN is refused"},
		{"Infinity", 0, ruleSyntax, "Infinity is refused"},
		{"-Infinity", 0, ruleSyntax, "negative Infinity is refused"},
		{"", 0, ruleSyntax, "the empty string is refused"},
		{"-", 0, ruleSyntax, "a lone minus is refused"},
		{"+1", 0, ruleSyntax, "a leading plus is refused"},
		{"01", 0, ruleSyntax, "a leading zero is refused"},
		{"00.5", 0, ruleSyntax, "two leading zeros are refused"},
		{".5", 0, ruleSyntax, "a missing whole part is refused"},
		{"5.", 0, ruleSyntax, "a missing fraction after the point is refused"},
		{"1.2.3", 0, ruleSyntax, "two points are refused"},
		{" 1", 0, ruleSyntax, "a leading space is refused"},
		{"1 ", 0, ruleSyntax, "a trailing space is refused"},
		{"1,50", 0, ruleSyntax, "a decimal comma is refused"},
		{`"15"`, 0, ruleSyntax, "a quoted number is refused"},
		{"0x10", 0, ruleSyntax, "hexadecimal is refused"},
		{"１", 0, ruleSyntax, "non-ASCII digits are refused"},
	}
	for _, tt := range tests {
		t.Run(tt.behaviour, func(t *testing.T) {
			got, err := ledger.ParseUSD(tt.in)
			if tt.rule == "" {
				if err != nil || got != tt.want {
					t.Errorf("ParseUSD(%q) = %d, %v, want %d, nil", tt.in, got, err, tt.want)
				}
				return
			}
			var pe *ledger.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("ParseUSD(%q) = %d, %v, want a *ParseError", tt.in, got, err)
			}
			if pe.Rule != tt.rule {
				t.Errorf("ParseUSD(%q) rule = %q, want %q", tt.in, pe.Rule, tt.rule)
			}
			if got != 0 {
				t.Errorf("ParseUSD(%q) = %d with an error, want 0", tt.in, got)
			}
		})
	}
}

func TestParseUSDSumsExactly(t *testing.T) {
	// The classic 0.1 + 0.2 != 0.3 of binary floating point does not
	// happen with cents.
	var sum ledger.Cents
	for _, s := range []string{"0.1", "0.2"} {
		c, err := ledger.ParseUSD(s)
		if err != nil {
			t.Fatalf("ParseUSD(%q): %v", s, err)
		}
		sum += c
	}
	want, err := ledger.ParseUSD("0.3")
	if err != nil {
		t.Fatalf("ParseUSD(0.3): %v", err)
	}
	if sum != want {
		t.Errorf("0.1 + 0.2 = %s, want %s", sum, want)
	}
	if got := sum - want; got != 0 {
		t.Errorf("0.1 + 0.2 - 0.3 = %s, want 0.00", got)
	}
}

func TestParseErrorClassifiesAsInvalid(t *testing.T) {
	_, err := ledger.ParseUSD("-1")
	if got := err.Error(); got != "ledger: amount must not be negative" {
		t.Errorf("Error() = %q, want %q", got, "ledger: amount must not be negative")
	}
	if k := fault.KindOf(err); k != fault.Invalid {
		t.Errorf("KindOf(err) = %v, want %v", k, fault.Invalid)
	}
	fe := fault.As(err)
	want := &fault.Error{Kind: fault.Invalid, Op: "ledger", Message: "amount must not be negative"}
	if diff := cmp.Diff(want, fe); diff != "" {
		t.Errorf("fault.As(err) mismatch (-want +got):\n%s", diff)
	}

	var pe *ledger.ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("errors.As(%v, *ParseError) = false, want true", err)
	}
	want = &fault.Error{Kind: fault.Invalid, Op: "ledger", Field: "reward_usd",
		Message: "reward_usd must not be negative"}
	if diff := cmp.Diff(want, pe.Invalid("reward_usd")); diff != "" {
		t.Errorf("Invalid(reward_usd) mismatch (-want +got):\n%s", diff)
	}
}

func TestString(t *testing.T) {
	tests := []struct {
		in   ledger.Cents
		want string
	}{
		{0, "0.00"},
		{5, "0.05"},
		{50, "0.50"},
		{1500, "15.00"},
		{9997, "99.97"},
		{-5, "-0.05"},
		{-1500, "-15.00"},
		{ledger.MaxAmount, "10000000000.00"},
		{math.MaxInt64, "92233720368547758.07"},
		{math.MinInt64, "-92233720368547758.08"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := tt.in.String(); got != tt.want {
				t.Errorf("Cents(%d).String() = %q, want %q", int64(tt.in), got, tt.want)
			}
			b, err := json.Marshal(tt.in)
			if err != nil || string(b) != tt.want {
				t.Errorf("json.Marshal(Cents(%d)) = %s, %v, want %s", int64(tt.in), b, err, tt.want)
			}
		})
	}
}

type body struct {
	Reward ledger.Cents `json:"reward_usd"`
}

func TestJSON(t *testing.T) {
	tests := []struct {
		in        string
		want      ledger.Cents
		rule      string
		behaviour string
	}{
		{`{"reward_usd": 15}`, 1500, "", "a whole number decodes"},
		{`{"reward_usd": 99.97}`, 9997, "", "two decimals decode"},
		{`{"reward_usd": 0.5}`, 50, "", "one decimal decodes"},
		{`{"reward_usd": null}`, 0, "", "null leaves the amount zero"},
		{`{}`, 0, "", "an absent amount stays zero"},
		{`{"reward_usd": 10.005}`, 0, ruleDecimals, "three decimals are refused"},
		{`{"reward_usd": -1}`, 0, ruleNegative, "a negative number is refused"},
		{`{"reward_usd": 1e3}`, 0, ruleExponent, "an exponent is refused"},
		{`{"reward_usd": 9999999999999999999}`, 0, ruleTooLarge, "overflow is refused"},
		{`{"reward_usd": "15"}`, 0, "must be a JSON number such as 15 or 99.97, not a string",
			"a string is refused even when it holds a valid amount"},
		{`{"reward_usd": true}`, 0, ruleSyntax, "a boolean is refused"},
	}
	for _, tt := range tests {
		t.Run(tt.behaviour, func(t *testing.T) {
			var got body
			err := json.Unmarshal([]byte(tt.in), &got)
			if tt.rule == "" {
				if err != nil || got.Reward != tt.want {
					t.Errorf("Unmarshal(%s) = %d, %v, want %d, nil", tt.in, got.Reward, err, tt.want)
				}
				return
			}
			var pe *ledger.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Unmarshal(%s) = %v, want a *ParseError", tt.in, err)
			}
			if pe.Rule != tt.rule {
				t.Errorf("Unmarshal(%s) rule = %q, want %q", tt.in, pe.Rule, tt.rule)
			}
		})
	}
}

func TestJSONRoundTrip(t *testing.T) {
	for _, c := range []ledger.Cents{0, 1, 10, 99, 100, 1500, 9997, ledger.MaxAmount} {
		b, err := json.Marshal(body{Reward: c})
		if err != nil {
			t.Fatalf("Marshal(%d): %v", c, err)
		}
		var got body
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("Unmarshal(%s): %v", b, err)
		}
		if got.Reward != c {
			t.Errorf("round trip of %d through %s = %d", c, b, got.Reward)
		}
	}
}

func ExampleParseUSD() {
	reward, err := ledger.ParseUSD("99.97")
	fmt.Println(reward, int64(reward), err)
	_, err = ledger.ParseUSD("10.005")
	fmt.Println(err)
	// Output:
	// 99.97 9997 <nil>
	// ledger: amount must have at most two decimal places
}
