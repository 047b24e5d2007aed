// Package operator holds the people who do tasks: their profile, the rules a
// registration or an update must follow, and the Store that keeps them.
//
// An operator is identified by an id ("op_" and a ULID) and by an email that
// is unique compared case-insensitively after trimming. The package checks
// input and builds values; it does no I/O. The humop package runs these rules
// inside a storage transaction.
package operator

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/humop/humop/country"
	"github.com/humop/humop/fault"
	"github.com/humop/humop/internal/textcheck"
	"github.com/humop/humop/skills"
)

// IDPrefix starts every operator id.
const IDPrefix = "op_"

// Limits on free-text fields, in characters after trimming.
const (
	MaxNameLen  = 200
	MaxEmailLen = 254
	MaxCityLen  = 200
)

// InitialRating is the rating of a new operator, in hundredths (5.00).
const InitialRating = 500

// Operator is a registered operator's profile.
type Operator struct {
	ID    string
	Name  string
	Email string // trimmed, as given; see EmailKey for comparisons
	Phone string // E.164, or empty
	// Location is nil when the operator gave none.
	Location *Location
	Skills   skills.Set
	// Subject is the identity provider's user id linked to this operator
	// (the Clerk "sub"), or empty when none is linked yet.
	Subject string
	// Rating is in hundredths: 500 is 5.00.
	Rating    int
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Location is where an operator is based.
type Location struct {
	City    string `json:"city,omitempty"`
	Country string `json:"country"` // ISO 3166-1 alpha-2, upper case
}

// EmailKey returns the form of o's email used for uniqueness.
func (o *Operator) EmailKey() string { return EmailKey(o.Email) }

// Clone returns a deep copy of o, so a store can hand out values that its
// callers may change freely.
func (o *Operator) Clone() *Operator {
	c := *o
	if o.Location != nil {
		loc := *o.Location
		c.Location = &loc
	}
	return &c
}

// EmailKey returns the comparison form of an email: trimmed and lower-cased.
// Two addresses with the same key belong to one operator.
func EmailKey(email string) string {
	return strings.ToLower(strings.TrimSpace(email))
}

// Errors returned by the rules and by stores.
var (
	// ErrNotFound is returned when no operator has the id, or it is not
	// the caller's to see.
	ErrNotFound = fault.New(fault.NotFound, "operator", "operator_not_found", "operator not found")
	// ErrEmailTaken is returned when another operator has the same email.
	ErrEmailTaken = fault.New(fault.Conflict, "operator", "email_taken",
		"email is already registered")
	// ErrSubjectTaken is returned when the signed-in identity already has
	// an operator.
	ErrSubjectTaken = fault.New(fault.Conflict, "operator", "already_registered",
		"this identity already has an operator")
)

// Registration is what a new operator gives. Skills are names; an empty list
// means every skill.
type Registration struct {
	Name     string
	Email    string
	Phone    string
	Location *Location
	Skills   []string
}

// New checks r and returns the new operator with the given id, created at
// now. Every field is validated and normalised; the first rule broken is
// returned as a *fault.Error of kind Invalid naming the field.
func New(r Registration, id string, now time.Time) (*Operator, error) {
	name, err := checkName(r.Name)
	if err != nil {
		return nil, err
	}
	email, err := checkEmail(r.Email)
	if err != nil {
		return nil, err
	}
	phone, err := checkPhone(r.Phone)
	if err != nil {
		return nil, err
	}
	loc, err := checkLocation(r.Location)
	if err != nil {
		return nil, err
	}
	set, err := checkSkills(r.Skills)
	if err != nil {
		return nil, err
	}
	now = now.UTC()
	return &Operator{
		ID:        id,
		Name:      name,
		Email:     email,
		Phone:     phone,
		Location:  loc,
		Skills:    set,
		Rating:    InitialRating,
		CreatedAt: now,
		UpdatedAt: now,
	}, nil
}

// Update is a change to a profile. A nil field is left as it is. Email and
// KYC standing cannot be changed this way.
type Update struct {
	Name *string
	// Phone set to "" removes the phone.
	Phone *string
	// Location set to a zero Location removes the location.
	Location *Location
	// Skills set to an empty list means every skill, as at registration.
	Skills *[]string
}

// IsZero reports whether u changes nothing.
func (u Update) IsZero() bool {
	return u.Name == nil && u.Phone == nil && u.Location == nil && u.Skills == nil
}

// Apply checks u and returns a copy of o with the change made at now. On
// error o is returned unchanged alongside the error.
func (u Update) Apply(o *Operator, now time.Time) (*Operator, error) {
	next := o.Clone()
	if u.Name != nil {
		name, err := checkName(*u.Name)
		if err != nil {
			return o, err
		}
		next.Name = name
	}
	if u.Phone != nil {
		phone, err := checkPhone(*u.Phone)
		if err != nil {
			return o, err
		}
		next.Phone = phone
	}
	if u.Location != nil {
		loc := u.Location
		if *loc == (Location{}) {
			loc = nil
		}
		loc, err := checkLocation(loc)
		if err != nil {
			return o, err
		}
		next.Location = loc
	}
	if u.Skills != nil {
		set, err := checkSkills(*u.Skills)
		if err != nil {
			return o, err
		}
		next.Skills = set
	}
	next.UpdatedAt = now.UTC()
	return next, nil
}

func invalid(field, format string, args ...any) error {
	return fault.Invalidf("operator", field, format, args...)
}

func checkName(s string) (string, error) {
	name := strings.TrimSpace(s)
	if n := utf8.RuneCountInString(name); n < 1 || n > MaxNameLen {
		return "", invalid("name", "name must be 1 to %d characters", MaxNameLen)
	}
	if !utf8.ValidString(name) || textcheck.HasControl(name) {
		return "", invalid("name", "name must not contain control characters")
	}
	return name, nil
}

func checkEmail(s string) (string, error) {
	email := strings.TrimSpace(s)
	if email == "" {
		return "", invalid("email", "email is required")
	}
	if len(email) > MaxEmailLen {
		return "", invalid("email", "email must be at most %d characters", MaxEmailLen)
	}
	if !textcheck.Email(email) {
		return "", invalid("email", "email must be a valid address such as name@example.com")
	}
	return email, nil
}

// checkPhone normalises a phone number to E.164: a plus sign and 8 to 15
// digits, the first not zero. Spaces, dashes, dots and parentheses are
// removed first; nothing else is guessed (a number without its country code
// is refused, not completed).
func checkPhone(s string) (string, error) {
	var b strings.Builder
	for _, r := range strings.TrimSpace(s) {
		switch r {
		case ' ', '-', '.', '(', ')':
			continue
		}
		b.WriteRune(r)
	}
	const rule = "phone must be an international number in E.164 form, such as +14155550100"
	phone := b.String()
	if phone == "" {
		if strings.TrimSpace(s) != "" {
			return "", invalid("phone", rule)
		}
		return "", nil
	}
	if phone[0] != '+' || len(phone) < 9 || len(phone) > 16 || phone[1] == '0' {
		return "", invalid("phone", rule)
	}
	for _, c := range phone[1:] {
		if c < '0' || c > '9' {
			return "", invalid("phone", rule)
		}
	}
	return phone, nil
}

func checkLocation(loc *Location) (*Location, error) {
	if loc == nil {
		return nil, nil
	}
	code, ok := country.Code(loc.Country)
	if strings.TrimSpace(loc.Country) == "" {
		return nil, invalid("location.country",
			"location.country is required: an ISO 3166-1 alpha-2 code such as DE")
	}
	if !ok {
		return nil, invalid("location.country",
			"location.country must be an ISO 3166-1 alpha-2 code such as DE, not %q", loc.Country)
	}
	city := strings.TrimSpace(loc.City)
	if utf8.RuneCountInString(city) > MaxCityLen || textcheck.HasControl(city) {
		return nil, invalid("location.city",
			"location.city must be at most %d characters without control characters", MaxCityLen)
	}
	return &Location{City: city, Country: code}, nil
}

func checkSkills(names []string) (skills.Set, error) {
	set, err := skills.ParseSet(names)
	if err != nil {
		return 0, invalid("skills", "skills must be names from the skill list (%s); %q is not one",
			skills.AllSet(), unknownName(err))
	}
	return set, nil
}

func unknownName(err error) string {
	if u, ok := err.(*skills.UnknownError); ok {
		return u.Name
	}
	return ""
}

// Store keeps operators. Implementations are bound to one transaction (see
// humop.Tx) and need not be safe for concurrent use on their own.
type Store interface {
	// Insert adds op. It returns ErrEmailTaken when another operator has
	// the same EmailKey, and ErrSubjectTaken when op.Subject is not empty
	// and already linked. An id already stored is an error (a programming
	// error: ids are unique).
	Insert(op *Operator) error
	// Get returns the operator with the id, or ErrNotFound.
	Get(id string) (*Operator, error)
	// BySubject returns the operator linked to the identity, or
	// ErrNotFound.
	BySubject(subject string) (*Operator, error)
	// Replace stores op over the operator with the same id, keeping the
	// email; it returns ErrNotFound when there is none and ErrSubjectTaken
	// when op links a subject another operator holds.
	Replace(op *Operator) error
}
