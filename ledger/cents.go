// Package ledger keeps operators' money. Amounts are integer cents, never
// floating point, and every change to a balance is an entry appended to the
// ledger; entries are never edited or deleted, so a balance is always the sum
// of its entries.
//
// Cents is the amount type. On the wire an amount is USD as a JSON number
// with at most two decimals, such as 15 or 99.97; ParseUSD and the JSON
// methods of Cents convert between the two without floating point.
package ledger

import (
	"strconv"
	"strings"

	"github.com/humop/humop/fault"
)

// Cents is an amount of US dollars in cents: 1500 is 15.00 USD. The zero
// value is zero dollars. Arithmetic on Cents is exact integer arithmetic;
// callers keep amounts within ±MaxAmount, where no sum of a few amounts can
// overflow.
type Cents int64

// MaxAmount is the largest amount ParseUSD accepts: ten billion dollars. It
// keeps every amount far from the int64 limit.
const MaxAmount Cents = 1_000_000_000_000

// maxWholeDigits is the number of digits in MaxAmount's whole dollars
// (10000000000).
const maxWholeDigits = 11

// The rules ParseUSD enforces, as they appear in a ParseError.
const (
	ruleSyntax   = "must be a number such as 15 or 99.97"
	ruleExponent = "must be written without an exponent, such as 100 rather than 1e2"
	ruleDecimals = "must have at most two decimal places"
	ruleNegative = "must not be negative"
	ruleString   = "must be a JSON number such as 15 or 99.97, not a string"
)

// ruleTooLarge is the rule for amounts over MaxAmount.
var ruleTooLarge = "must be at most " + MaxAmount.String()

// ParseError is returned by ParseUSD and UnmarshalJSON for an amount that
// breaks a rule. It does not know the field the amount came from; a caller
// that knows it names it with Invalid.
//
// Its chain holds a *fault.Error of kind Invalid whose message speaks of
// "amount", so fault.KindOf classifies it even when nobody names the field.
type ParseError struct {
	// Rule is the rule broken, phrased to follow a field name, such as
	// "must have at most two decimal places".
	Rule string
}

// Error returns the rule, prefixed with the package and "amount".
func (e *ParseError) Error() string { return "ledger: amount " + e.Rule }

// Unwrap returns e as a fault.Invalid error with no field.
func (e *ParseError) Unwrap() error {
	return fault.Invalidf("ledger", "", "amount %s", e.Rule)
}

// Invalid returns e as a fault.Invalid error about the wire field named
// field, with the message "<field> <rule>", such as "reward_usd must not be
// negative".
func (e *ParseError) Invalid(field string) *fault.Error {
	return fault.Invalidf("ledger", field, "%s %s", field, e.Rule)
}

// ParseUSD parses an amount of USD written as a JSON number literal, as it
// appears on the wire, and returns it in cents.
//
// Accepted: a whole part without superfluous leading zeros and an optional
// fraction of one or two digits: "15", "0.5", "99.97", "15.00". Refused, each
// with a *ParseError naming the rule: more than two decimal places (even
// "10.500"; the rule is about how the number is written), an exponent ("1e2"),
// a minus sign on anything but zero, a leading '+', NaN, Infinity, spaces,
// the empty string, and amounts above MaxAmount. "-0" and "-0.00" are zero.
//
// ParseUSD does not refuse zero; whether zero is allowed is the caller's rule.
func ParseUSD(s string) (Cents, error) {
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	whole, s := leadingDigits(s)
	if whole == "" || (len(whole) > 1 && whole[0] == '0') {
		return 0, &ParseError{Rule: ruleSyntax}
	}
	var frac string
	if strings.HasPrefix(s, ".") {
		frac, s = leadingDigits(s[1:])
		if frac == "" {
			return 0, &ParseError{Rule: ruleSyntax}
		}
	}
	if strings.HasPrefix(s, "e") || strings.HasPrefix(s, "E") {
		return 0, &ParseError{Rule: ruleExponent}
	}
	if s != "" {
		return 0, &ParseError{Rule: ruleSyntax}
	}
	if len(frac) > 2 {
		return 0, &ParseError{Rule: ruleDecimals}
	}

	// A whole part longer than MaxAmount's is over the limit whatever its
	// digits; checking the length first keeps the sum below from
	// overflowing.
	var c Cents
	if len(whole) <= maxWholeDigits {
		for i := 0; i < len(whole); i++ {
			c = c*10 + Cents(whole[i]-'0')
		}
		frac += "00"[len(frac):]
		c = c*100 + Cents(frac[0]-'0')*10 + Cents(frac[1]-'0')
	}
	switch {
	case neg && (c != 0 || len(whole) > maxWholeDigits):
		return 0, &ParseError{Rule: ruleNegative}
	case c > MaxAmount || len(whole) > maxWholeDigits:
		return 0, &ParseError{Rule: ruleTooLarge}
	}
	return c, nil
}

// leadingDigits splits s after its leading ASCII digits.
func leadingDigits(s string) (digits, rest string) {
	i := 0
	for i < len(s) && '0' <= s[i] && s[i] <= '9' {
		i++
	}
	return s[:i], s[i:]
}

// String returns c in dollars with exactly two decimals: "15.00", "0.05",
// "-0.05".
func (c Cents) String() string {
	return string(c.appendUSD(nil))
}

// appendUSD appends c as String writes it.
func (c Cents) appendUSD(b []byte) []byte {
	// Work on the magnitude as uint64 so that the most negative Cents
	// has one too.
	u := uint64(c)
	if c < 0 {
		b = append(b, '-')
		u = -u
	}
	b = strconv.AppendUint(b, u/100, 10)
	r := u % 100
	return append(b, '.', byte('0'+r/10), byte('0'+r%10))
}

// MarshalJSON writes c as a JSON number with exactly two decimals, such as
// 15.00.
func (c Cents) MarshalJSON() ([]byte, error) {
	return c.appendUSD(make([]byte, 0, 24)), nil
}

// UnmarshalJSON reads a JSON number by the rules of ParseUSD. A JSON string
// is refused, even one holding a valid amount; null leaves c unchanged, as
// encoding/json expects. Errors are *ParseError.
func (c *Cents) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" {
		return nil
	}
	if len(s) > 0 && s[0] == '"' {
		return &ParseError{Rule: ruleString}
	}
	v, err := ParseUSD(s)
	if err != nil {
		return err
	}
	*c = v
	return nil
}
