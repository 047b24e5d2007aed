package fault_test

import (
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/humop/humop/fault"
)

func TestErrorString(t *testing.T) {
	tests := []struct {
		name string
		err  *fault.Error
		want string
	}{
		{"op prefixes the message",
			&fault.Error{Kind: fault.Conflict, Op: "operator", Message: "email is already registered"},
			"operator: email is already registered"},
		{"without op the message stands alone",
			&fault.Error{Kind: fault.Invalid, Message: "name must be 1 to 200 characters"},
			"name must be 1 to 200 characters"},
		{"code and field are not part of the text",
			&fault.Error{Kind: fault.Invalid, Op: "kyc", Code: "bad", Field: "decision", Message: "no"},
			"kyc: no"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("(%+v).Error() = %q, want %q", *tt.err, got, tt.want)
			}
		})
	}
}

func TestCodeOrKind(t *testing.T) {
	tests := []struct {
		name string
		err  *fault.Error
		want string
	}{
		{"code wins over kind", &fault.Error{Kind: fault.Conflict, Code: "email_taken"}, "email_taken"},
		{"empty code falls back to the kind", &fault.Error{Kind: fault.Invalid}, "validation"},
		{"zero error is internal", &fault.Error{}, "internal"},
		{"payment kind has its own code", &fault.Error{Kind: fault.PaymentRequired}, "insufficient_funds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.CodeOrKind(); got != tt.want {
				t.Errorf("(%+v).CodeOrKind() = %q, want %q", *tt.err, got, tt.want)
			}
		})
	}
}

func TestKindString(t *testing.T) {
	tests := []struct {
		kind fault.Kind
		want string
	}{
		{fault.Internal, "internal"},
		{fault.Invalid, "validation"},
		{fault.Unauthenticated, "unauthenticated"},
		{fault.Forbidden, "forbidden"},
		{fault.NotFound, "not_found"},
		{fault.Conflict, "conflict"},
		{fault.Gone, "gone"},
		{fault.Unprocessable, "unprocessable"},
		{fault.PaymentRequired, "insufficient_funds"},
		{fault.TooLarge, "too_large"},
		{fault.UnsupportedMedia, "unsupported_media_type"},
		{fault.UnsupportedMedia + 1, "kind(11)"},
		{fault.Kind(255), "kind(255)"},
	}
	seen := make(map[string]fault.Kind)
	for _, tt := range tests {
		t.Run(fmt.Sprintf("kind %d is %s", uint8(tt.kind), tt.want), func(t *testing.T) {
			if got := tt.kind.String(); got != tt.want {
				t.Errorf("Kind(%d).String() = %q, want %q", uint8(tt.kind), got, tt.want)
			}
		})
		if k, dup := seen[tt.want]; dup {
			t.Errorf("kinds %d and %d share the name %q", k, tt.kind, tt.want)
		}
		seen[tt.want] = tt.kind
	}
}

func TestConstructors(t *testing.T) {
	tests := []struct {
		name string
		got  *fault.Error
		want *fault.Error
	}{
		{"Invalidf formats the message and sets the field",
			fault.Invalidf("operator", "name", "name must be 1 to %d characters", 200),
			&fault.Error{Kind: fault.Invalid, Op: "operator", Field: "name",
				Message: "name must be 1 to 200 characters"}},
		{"New keeps its arguments",
			fault.New(fault.NotFound, "kyc", "kyc_not_found", "verification case not found"),
			&fault.Error{Kind: fault.NotFound, Op: "kyc", Code: "kyc_not_found",
				Message: "verification case not found"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.got); diff != "" {
				t.Errorf("constructor mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAsAndKindOf(t *testing.T) {
	sentinel := fault.New(fault.Conflict, "operator", "email_taken", "email is already registered")
	invalid := fault.Invalidf("operator", "email", "email is required")
	tests := []struct {
		name     string
		err      error
		wantAs   *fault.Error
		wantKind fault.Kind
	}{
		{"bare fault error", invalid, invalid, fault.Invalid},
		{"wrapped once with %w", fmt.Errorf("register: %w", sentinel), sentinel, fault.Conflict},
		{"wrapped twice with %w",
			fmt.Errorf("outer: %w", fmt.Errorf("inner: %w", invalid)), invalid, fault.Invalid},
		{"joined with a plain error", errors.Join(io.EOF, sentinel), sentinel, fault.Conflict},
		{"first fault error in the chain wins",
			fmt.Errorf("%w", &wrapper{outer: invalid, inner: sentinel}), invalid, fault.Invalid},
		{"plain error is internal", io.EOF, nil, fault.Internal},
		{"%v does not wrap, so internal", fmt.Errorf("register: %v", sentinel), nil, fault.Internal},
		{"nil error is internal", nil, nil, fault.Internal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fault.As(tt.err); got != tt.wantAs {
				t.Errorf("As(%v) = %v, want %v", tt.err, got, tt.wantAs)
			}
			if got := fault.KindOf(tt.err); got != tt.wantKind {
				t.Errorf("KindOf(%v) = %v, want %v", tt.err, got, tt.wantKind)
			}
		})
	}
}

// wrapper wraps two errors, so a test can tell which one As finds first.
type wrapper struct{ outer, inner error }

func (w *wrapper) Error() string   { return "wrapper" }
func (w *wrapper) Unwrap() []error { return []error{w.outer, w.inner} }

func TestSentinelsMatchWithErrorsIs(t *testing.T) {
	sentinel := fault.New(fault.Conflict, "kyc", "kyc_transition", "cannot move")
	other := fault.New(fault.Conflict, "kyc", "kyc_transition", "cannot move")
	wrapped := fmt.Errorf("%w (PENDING to PENDING)", sentinel)
	if !errors.Is(wrapped, sentinel) {
		t.Errorf("errors.Is(%v, sentinel) = false, want true", wrapped)
	}
	if errors.Is(wrapped, other) {
		t.Errorf("errors.Is(%v, equal-looking other) = true, want false (identity)", wrapped)
	}
}
