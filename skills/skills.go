// Package skills lists the kinds of work an operator can do. Each skill is
// also a task type: an operator sees and may take a task only when the task's
// type is among the operator's skills.
//
// There are 13 skills in 3 domains: physical work done on location, digital
// work done in a browser, and credential work that needs the operator's own
// identity (a phone number, an account). The package imports nothing else of
// humop's, so the rules can be used on their own.
package skills

import (
	"encoding/json"
	"fmt"
	"math/bits"
	"strings"
)

// Skill is one kind of work, named by its wire name such as "PHOTO".
type Skill string

// The skills, in their canonical order (domain by domain).
const (
	Verification      Skill = "VERIFICATION"
	Photo             Skill = "PHOTO"
	Delivery          Skill = "DELIVERY"
	Inspection        Skill = "INSPECTION"
	CaptchaSolving    Skill = "CAPTCHA_SOLVING"
	FormFilling       Skill = "FORM_FILLING"
	ContentReview     Skill = "CONTENT_REVIEW"
	DataValidation    Skill = "DATA_VALIDATION"
	BrowserNavigation Skill = "BROWSER_NAVIGATION"
	AccountCreation   Skill = "ACCOUNT_CREATION"
	APIKeyProcurement Skill = "API_KEY_PROCUREMENT"
	PhoneVerification Skill = "PHONE_VERIFICATION"
	SubscriptionSetup Skill = "SUBSCRIPTION_SETUP"
)

// Domain groups skills by where the work happens.
type Domain string

// The domains.
const (
	Physical   Domain = "PHYSICAL"
	Digital    Domain = "DIGITAL"
	Credential Domain = "CREDENTIAL"
)

type info struct {
	skill  Skill
	domain Domain
}

// table is the one list of skills; every other view derives from it. The
// index of a skill here is its bit in a Set.
var table = [...]info{
	{Verification, Physical},
	{Photo, Physical},
	{Delivery, Physical},
	{Inspection, Physical},
	{CaptchaSolving, Digital},
	{FormFilling, Digital},
	{ContentReview, Digital},
	{DataValidation, Digital},
	{BrowserNavigation, Digital},
	{AccountCreation, Credential},
	{APIKeyProcurement, Credential},
	{PhoneVerification, Credential},
	{SubscriptionSetup, Credential},
}

// Count is the number of skills.
const Count = len(table)

// All returns every skill in canonical order.
func All() []Skill {
	out := make([]Skill, len(table))
	for i, in := range table {
		out[i] = in.skill
	}
	return out
}

// Domains returns the domains in canonical order.
func Domains() []Domain {
	return []Domain{Physical, Digital, Credential}
}

// InDomain returns the skills of d in canonical order, or nil for an unknown
// domain.
func InDomain(d Domain) []Skill {
	var out []Skill
	for _, in := range table {
		if in.domain == d {
			out = append(out, in.skill)
		}
	}
	return out
}

// index returns the position of s in the table, or -1.
func (s Skill) index() int {
	for i, in := range table {
		if in.skill == s {
			return i
		}
	}
	return -1
}

// Valid reports whether s is one of the 13 skills.
func (s Skill) Valid() bool { return s.index() >= 0 }

// Domain returns the domain of s, or "" when s is not a skill.
func (s Skill) Domain() Domain {
	if i := s.index(); i >= 0 {
		return table[i].domain
	}
	return ""
}

// Physical reports whether s is done on location, so a task of this type
// needs a location.
func (s Skill) Physical() bool { return s.Domain() == Physical }

// Parse returns the skill named name, matched exactly after trimming
// spaces: "PHOTO" is a skill, "photo" is not. Skill names are an
// enumeration of the wire contract, and every enumeration there is exact.
func Parse(name string) (Skill, error) {
	s := Skill(strings.TrimSpace(name))
	if !s.Valid() {
		return "", &UnknownError{Name: name}
	}
	return s, nil
}

// UnknownError is returned by Parse and ParseSet for a name that is not a
// skill.
type UnknownError struct {
	Name string
}

// Error names the unknown skill.
func (e *UnknownError) Error() string {
	return fmt.Sprintf("skills: unknown skill %q", e.Name)
}

// Set is a set of skills. The zero value is the empty set. A Set is a small
// value: copy it freely, compare it with ==.
//
// Its JSON form is an array of names in canonical order, whatever order they
// were given in.
type Set uint16

// allBits has one bit for every skill.
const allBits = Set(1)<<Count - 1

// AllSet returns the set of every skill.
func AllSet() Set { return allBits }

// Of returns the set holding the given skills. Invalid skills are ignored;
// use ParseSet for input from outside.
func Of(list ...Skill) Set {
	var s Set
	for _, sk := range list {
		if i := sk.index(); i >= 0 {
			s |= 1 << i
		}
	}
	return s
}

// ParseSet parses a list of skill names, folding duplicates. An empty or nil
// list means every skill, as registration does when skills are not given.
// An unknown name is an *UnknownError.
func ParseSet(names []string) (Set, error) {
	if len(names) == 0 {
		return allBits, nil
	}
	var s Set
	for _, name := range names {
		sk, err := Parse(name)
		if err != nil {
			return 0, err
		}
		s |= 1 << sk.index()
	}
	return s, nil
}

// Has reports whether s holds sk.
func (s Set) Has(sk Skill) bool {
	i := sk.index()
	return i >= 0 && s&(1<<i) != 0
}

// Add returns s with sk added.
func (s Set) Add(sk Skill) Set { return s | Of(sk) }

// Len returns the number of skills in s.
func (s Set) Len() int { return bits.OnesCount16(uint16(s & allBits)) }

// IsEmpty reports whether s holds no skill.
func (s Set) IsEmpty() bool { return s&allBits == 0 }

// Skills returns the members of s in canonical order.
func (s Set) Skills() []Skill {
	out := make([]Skill, 0, s.Len())
	for i, in := range table {
		if s&(1<<i) != 0 {
			out = append(out, in.skill)
		}
	}
	return out
}

// String returns the names in canonical order, separated by commas.
func (s Set) String() string {
	names := make([]string, 0, s.Len())
	for _, sk := range s.Skills() {
		names = append(names, string(sk))
	}
	return strings.Join(names, ",")
}

// MarshalJSON encodes s as an array of names in canonical order.
func (s Set) MarshalJSON() ([]byte, error) {
	return json.Marshal(s.Skills())
}

// UnmarshalJSON decodes an array of names. Unlike ParseSet it keeps an empty
// array empty; defaulting to every skill is a registration rule, not a
// property of the encoding. JSON null leaves s unchanged.
func (s *Set) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil // as encoding/json does for other types: leave s as it is
	}
	var names []string
	if err := json.Unmarshal(b, &names); err != nil {
		return fmt.Errorf("skills: set must be an array of names: %w", err)
	}
	var out Set
	for _, name := range names {
		sk, err := Parse(name)
		if err != nil {
			return err
		}
		out |= 1 << sk.index()
	}
	*s = out
	return nil
}
