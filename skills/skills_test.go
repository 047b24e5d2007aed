package skills_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/humop/humop/skills"
)

// contractDomains lists the skills by domain exactly as CONTRACT.md does.
var contractDomains = map[skills.Domain][]skills.Skill{
	skills.Physical: {"VERIFICATION", "PHOTO", "DELIVERY", "INSPECTION"},
	skills.Digital: {"CAPTCHA_SOLVING", "FORM_FILLING", "CONTENT_REVIEW",
		"DATA_VALIDATION", "BROWSER_NAVIGATION"},
	skills.Credential: {"ACCOUNT_CREATION", "API_KEY_PROCUREMENT",
		"PHONE_VERIFICATION", "SUBSCRIPTION_SETUP"},
}

// canonicalOrder returns every skill in canonical order, domain by domain.
func canonicalOrder() []skills.Skill {
	var out []skills.Skill
	for _, d := range []skills.Domain{skills.Physical, skills.Digital, skills.Credential} {
		out = append(out, contractDomains[d]...)
	}
	return out
}

func TestCatalogueMatchesContract(t *testing.T) {
	if skills.Count != 13 {
		t.Errorf("Count = %d, want 13", skills.Count)
	}
	if diff := cmp.Diff(canonicalOrder(), skills.All()); diff != "" {
		t.Errorf("All() mismatch (-want +got):\n%s", diff)
	}
	wantDomains := []skills.Domain{"PHYSICAL", "DIGITAL", "CREDENTIAL"}
	if diff := cmp.Diff(wantDomains, skills.Domains()); diff != "" {
		t.Errorf("Domains() mismatch (-want +got):\n%s", diff)
	}
	if got := skills.AllSet().Len(); got != 13 {
		t.Errorf("AllSet().Len() = %d, want 13", got)
	}
}

func TestInDomain(t *testing.T) {
	tests := []struct {
		name   string
		domain skills.Domain
		want   []skills.Skill
	}{
		{"physical domain has four skills", skills.Physical, contractDomains[skills.Physical]},
		{"digital domain has five skills", skills.Digital, contractDomains[skills.Digital]},
		{"credential domain has four skills", skills.Credential, contractDomains[skills.Credential]},
		{"unknown domain is nil", "REMOTE", nil},
		{"lower-case domain is unknown", "physical", nil},
		{"empty domain is nil", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := skills.InDomain(tt.domain)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("InDomain(%q) mismatch (-want +got):\n%s", tt.domain, diff)
			}
		})
	}
}

func TestSkillDomainAndPhysical(t *testing.T) {
	for d, list := range contractDomains {
		for _, s := range list {
			t.Run(string(s)+" is in "+string(d), func(t *testing.T) {
				if !s.Valid() {
					t.Errorf("%q.Valid() = false, want true", s)
				}
				if got := s.Domain(); got != d {
					t.Errorf("%q.Domain() = %q, want %q", s, got, d)
				}
				if got, want := s.Physical(), d == skills.Physical; got != want {
					t.Errorf("%q.Physical() = %v, want %v", s, got, want)
				}
			})
		}
	}
	t.Run("unknown skill has no domain and is not physical", func(t *testing.T) {
		s := skills.Skill("photo")
		if s.Valid() {
			t.Errorf("%q.Valid() = true, want false", s)
		}
		if got := s.Domain(); got != "" {
			t.Errorf("%q.Domain() = %q, want empty", s, got)
		}
		if s.Physical() {
			t.Errorf("%q.Physical() = true, want false", s)
		}
	})
}

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want skills.Skill
	}{
		{"exact wire name is accepted", "PHOTO", skills.Photo},
		{"surrounding spaces are trimmed", "  DELIVERY\t", skills.Delivery},
		{"last skill is accepted", "SUBSCRIPTION_SETUP", skills.SubscriptionSetup},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := skills.Parse(tt.in)
			if err != nil || got != tt.want {
				t.Errorf("Parse(%q) = %q, %v; want %q, nil", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestParseUnknown(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{"empty name is unknown", ""},
		{"blank name is unknown", "   "},
		{"misspelt name is unknown", "PHOTOS"},
		{"inner space is not folded", "FORM FILLING"},
		{"hyphen is not underscore", "FORM-FILLING"},
		{"domain name is not a skill", "PHYSICAL"},
		{"lower case is not folded", "photo"},
		{"mixed case is not folded", "Api_Key_Procurement"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := skills.Parse(tt.in)
			if got != "" {
				t.Errorf("Parse(%q) skill = %q, want empty", tt.in, got)
			}
			var ue *skills.UnknownError
			if !errors.As(err, &ue) {
				t.Fatalf("Parse(%q) error = %v, want *UnknownError", tt.in, err)
			}
			if ue.Name != tt.in {
				t.Errorf("Parse(%q) UnknownError.Name = %q, want %q", tt.in, ue.Name, tt.in)
			}
			if err.Error() == "" {
				t.Errorf("Parse(%q) error message is empty", tt.in)
			}
		})
	}
}

func TestParseSet(t *testing.T) {
	tests := []struct {
		name string
		in   []string
		want skills.Set
	}{
		{"nil list means every skill", nil, skills.AllSet()},
		{"empty list means every skill", []string{}, skills.AllSet()},
		{"one name", []string{"PHOTO"}, skills.Of(skills.Photo)},
		{"duplicates are folded", []string{"PHOTO", "PHOTO", " PHOTO "},
			skills.Of(skills.Photo)},
		{"names from several domains",
			[]string{"SUBSCRIPTION_SETUP", "CAPTCHA_SOLVING", "VERIFICATION"},
			skills.Of(skills.Verification, skills.CaptchaSolving, skills.SubscriptionSetup)},
		{"every name given explicitly", []string{"VERIFICATION", "PHOTO", "DELIVERY",
			"INSPECTION", "CAPTCHA_SOLVING", "FORM_FILLING", "CONTENT_REVIEW",
			"DATA_VALIDATION", "BROWSER_NAVIGATION", "ACCOUNT_CREATION",
			"API_KEY_PROCUREMENT", "PHONE_VERIFICATION", "SUBSCRIPTION_SETUP"},
			skills.AllSet()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := skills.ParseSet(tt.in)
			if err != nil || got != tt.want {
				t.Errorf("ParseSet(%q) = %v, %v; want %v, nil", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestParseSetUnknown(t *testing.T) {
	tests := []struct {
		name    string
		in      []string
		unknown string
	}{
		{"unknown name after a good one", []string{"PHOTO", "JUGGLING"}, "JUGGLING"},
		{"unknown name is reported as given", []string{" juggling "}, " juggling "},
		{"empty name in a list", []string{"PHOTO", ""}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is an *UnknownError", func(t *testing.T) {
			got, err := skills.ParseSet(tt.in)
			var ue *skills.UnknownError
			if !errors.As(err, &ue) {
				t.Fatalf("ParseSet(%q) error = %v, want *UnknownError", tt.in, err)
			}
			if ue.Name != tt.unknown {
				t.Errorf("ParseSet(%q) UnknownError.Name = %q, want %q", tt.in, ue.Name, tt.unknown)
			}
			if got != 0 {
				t.Errorf("ParseSet(%q) set = %v, want empty on error", tt.in, got)
			}
		})
	}
}

func TestSetMethods(t *testing.T) {
	tests := []struct {
		name       string
		set        skills.Set
		wantSkills []skills.Skill
		wantString string
	}{
		{"zero value is the empty set", 0, []skills.Skill{}, ""},
		{"one skill", skills.Of(skills.Inspection), []skills.Skill{skills.Inspection}, "INSPECTION"},
		{"members come out in canonical order",
			skills.Of(skills.SubscriptionSetup, skills.Photo, skills.FormFilling),
			[]skills.Skill{skills.Photo, skills.FormFilling, skills.SubscriptionSetup},
			"PHOTO,FORM_FILLING,SUBSCRIPTION_SETUP"},
		{"Of ignores invalid skills", skills.Of("NOPE", skills.Delivery, ""),
			[]skills.Skill{skills.Delivery}, "DELIVERY"},
		{"every skill", skills.AllSet(), canonicalOrder(),
			"VERIFICATION,PHOTO,DELIVERY,INSPECTION,CAPTCHA_SOLVING,FORM_FILLING," +
				"CONTENT_REVIEW,DATA_VALIDATION,BROWSER_NAVIGATION,ACCOUNT_CREATION," +
				"API_KEY_PROCUREMENT,PHONE_VERIFICATION,SUBSCRIPTION_SETUP"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.set.Skills()
			if got == nil {
				t.Errorf("%v.Skills() = nil, want non-nil", tt.set)
			}
			if diff := cmp.Diff(tt.wantSkills, got); diff != "" {
				t.Errorf("%v.Skills() mismatch (-want +got):\n%s", tt.set, diff)
			}
			if s := tt.set.String(); s != tt.wantString {
				t.Errorf("String() = %q, want %q", s, tt.wantString)
			}
			if n := tt.set.Len(); n != len(tt.wantSkills) {
				t.Errorf("%v.Len() = %d, want %d", tt.set, n, len(tt.wantSkills))
			}
			if e := tt.set.IsEmpty(); e != (len(tt.wantSkills) == 0) {
				t.Errorf("%v.IsEmpty() = %v, want %v", tt.set, e, len(tt.wantSkills) == 0)
			}
			for _, sk := range skills.All() {
				want := false
				for _, w := range tt.wantSkills {
					want = want || w == sk
				}
				if h := tt.set.Has(sk); h != want {
					t.Errorf("%v.Has(%q) = %v, want %v", tt.set, sk, h, want)
				}
			}
			if tt.set.Has("NOPE") {
				t.Errorf("%v.Has(%q) = true, want false", tt.set, "NOPE")
			}
		})
	}
}

func TestSetAdd(t *testing.T) {
	tests := []struct {
		name string
		set  skills.Set
		add  skills.Skill
		want skills.Set
	}{
		{"adding to the empty set", 0, skills.Photo, skills.Of(skills.Photo)},
		{"adding a new skill", skills.Of(skills.Photo), skills.Delivery,
			skills.Of(skills.Photo, skills.Delivery)},
		{"adding a held skill changes nothing", skills.Of(skills.Photo), skills.Photo,
			skills.Of(skills.Photo)},
		{"adding an invalid skill changes nothing", skills.Of(skills.Photo), "photo",
			skills.Of(skills.Photo)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := tt.set
			if got := tt.set.Add(tt.add); got != tt.want {
				t.Errorf("%v.Add(%q) = %v, want %v", tt.set, tt.add, got, tt.want)
			}
			if tt.set != before {
				t.Errorf("Add changed its receiver from %v to %v", before, tt.set)
			}
		})
	}
}

func TestSetMarshalJSON(t *testing.T) {
	tests := []struct {
		name string
		set  skills.Set
		want string
	}{
		{"empty set is an empty array", 0, `[]`},
		{"one skill", skills.Of(skills.DataValidation), `["DATA_VALIDATION"]`},
		{"canonical order whatever the input order",
			skills.Of(skills.PhoneVerification, skills.Verification, skills.ContentReview),
			`["VERIFICATION","CONTENT_REVIEW","PHONE_VERIFICATION"]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := json.Marshal(tt.set)
			if err != nil || string(got) != tt.want {
				t.Errorf("json.Marshal(%v) = %s, %v; want %s, nil", tt.set, got, err, tt.want)
			}
			// Also as a struct field, the way the API embeds it.
			wrapped, err := json.Marshal(struct{ S skills.Set }{tt.set})
			if want := `{"S":` + tt.want + `}`; err != nil || string(wrapped) != want {
				t.Errorf("json.Marshal(struct) = %s, %v; want %s, nil", wrapped, err, want)
			}
		})
	}
}

func TestSetUnmarshalJSON(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		want  skills.Set
		canon string // canonical re-encoding
	}{
		{"empty array stays empty", `[]`, 0, `[]`},
		{"names in any order", `["SUBSCRIPTION_SETUP","PHOTO","CAPTCHA_SOLVING"]`,
			skills.Of(skills.Photo, skills.CaptchaSolving, skills.SubscriptionSetup),
			`["PHOTO","CAPTCHA_SOLVING","SUBSCRIPTION_SETUP"]`},
		{"names are trimmed like Parse", `[" PHOTO ","DELIVERY"]`,
			skills.Of(skills.Photo, skills.Delivery), `["PHOTO","DELIVERY"]`},
		{"duplicates are folded", `["PHOTO","PHOTO"," PHOTO"]`,
			skills.Of(skills.Photo), `["PHOTO"]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := skills.AllSet() // decoding must replace, not merge
			if err := json.Unmarshal([]byte(tt.in), &got); err != nil {
				t.Fatalf("json.Unmarshal(%s) error = %v, want nil", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("json.Unmarshal(%s) = %v, want %v", tt.in, got, tt.want)
			}
			out, err := json.Marshal(got)
			if err != nil || string(out) != tt.canon {
				t.Errorf("re-encoded %s = %s, %v; want %s, nil", tt.in, out, err, tt.canon)
			}
		})
	}
}

func TestSetJSONRoundTrip(t *testing.T) {
	sets := []skills.Set{
		0,
		skills.AllSet(),
		skills.Of(skills.Photo),
		skills.Of(skills.SubscriptionSetup, skills.Verification),
	}
	for _, d := range skills.Domains() {
		sets = append(sets, skills.Of(skills.InDomain(d)...))
	}
	for _, want := range sets {
		t.Run("round trip of "+fmt.Sprintf("%q", want.String())+" is lossless", func(t *testing.T) {
			b, err := json.Marshal(want)
			if err != nil {
				t.Fatalf("json.Marshal(%v) error = %v", want, err)
			}
			var got skills.Set
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatalf("json.Unmarshal(%s) error = %v", b, err)
			}
			if got != want {
				t.Errorf("round trip of %v = %v", want, got)
			}
		})
	}
}

func TestSetUnmarshalJSONErrors(t *testing.T) {
	tests := []struct {
		name        string
		in          string
		wantUnknown string // non-empty: error must be *UnknownError with this name
	}{
		{"string instead of array", `"PHOTO"`, ""},
		{"object instead of array", `{"PHOTO":true}`, ""},
		{"array of numbers", `[1,2]`, ""},
		{"truncated JSON", `["PHOTO"`, ""},
		{"unknown name", `["PHOTO","JUGGLING"]`, "JUGGLING"},
		{"empty name", `[""]`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is an error and leaves the set alone", func(t *testing.T) {
			const before = skills.Set(1) // VERIFICATION
			got := before
			err := got.UnmarshalJSON([]byte(tt.in))
			if err == nil {
				t.Fatalf("UnmarshalJSON(%s) error = nil, want an error", tt.in)
			}
			if got != before {
				t.Errorf("UnmarshalJSON(%s) changed the set to %v, want %v", tt.in, got, before)
			}
			if tt.wantUnknown == "" {
				return
			}
			var ue *skills.UnknownError
			if !errors.As(err, &ue) || ue.Name != tt.wantUnknown {
				t.Errorf("UnmarshalJSON(%s) error = %v, want *UnknownError for %q",
					tt.in, err, tt.wantUnknown)
			}
		})
	}
}

func ExampleParseSet() {
	set, err := skills.ParseSet([]string{"PHOTO", "CAPTCHA_SOLVING", "PHOTO", " VERIFICATION "})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(set, set.Len())

	all, _ := skills.ParseSet(nil)
	fmt.Println(all.Len())

	_, err = skills.ParseSet([]string{"JUGGLING"})
	fmt.Println(err)
	// Output:
	// VERIFICATION,PHOTO,CAPTCHA_SOLVING 3
	// 13
	// skills: unknown skill "JUGGLING"
}
