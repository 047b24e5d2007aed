package operator_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/humop/humop/fault"
	"github.com/humop/humop/operator"
	"github.com/humop/humop/skills"
)

var (
	// created and updated are in a zone other than UTC so that
	// normalisation shows.
	berlin  = time.FixedZone("CEST", 2*60*60)
	created = time.Date(2026, 4, 2, 14, 0, 0, 0, berlin)
	updated = created.Add(36 * time.Hour)
)

const testID = "op_01JQZ8X7K6M2V4N9P3R5T7W9Y1"

// validRegistration returns a registration that New accepts, changed by
// edit.
func validRegistration(edit func(r *operator.Registration)) operator.Registration {
	r := operator.Registration{
		Name:     "Maria Schmidt",
		Email:    "maria@example.com",
		Phone:    "+4915123456789",
		Location: &operator.Location{City: "Berlin", Country: "DE"},
		Skills:   []string{"PHOTO"},
	}
	if edit != nil {
		edit(&r)
	}
	return r
}

// showRegistration formats r for failure messages, with the location by value.
func showRegistration(r operator.Registration) string {
	loc := "<nil>"
	if r.Location != nil {
		loc = fmt.Sprintf("%+v", *r.Location)
	}
	return fmt.Sprintf("{Name:%q Email:%q Phone:%q Location:%s Skills:%q}",
		r.Name, r.Email, r.Phone, loc, r.Skills)
}

// showUpdate formats u for failure messages, listing the fields it sets.
func showUpdate(u operator.Update) string {
	var parts []string
	if u.Name != nil {
		parts = append(parts, fmt.Sprintf("Name:%q", *u.Name))
	}
	if u.Phone != nil {
		parts = append(parts, fmt.Sprintf("Phone:%q", *u.Phone))
	}
	if u.Location != nil {
		parts = append(parts, fmt.Sprintf("Location:%+v", *u.Location))
	}
	if u.Skills != nil {
		parts = append(parts, fmt.Sprintf("Skills:%q", *u.Skills))
	}
	return "{" + strings.Join(parts, " ") + "}"
}

// wantInvalid fails the test unless err is a *fault.Error of kind Invalid
// about field, with a message that names the field.
func wantInvalid(t *testing.T, call string, err error, field string) {
	t.Helper()
	fe := fault.As(err)
	if fe == nil {
		t.Fatalf("%s error = %v, want a *fault.Error for field %q", call, err, field)
	}
	if fe.Kind != fault.Invalid {
		t.Errorf("%s error kind = %v, want %v", call, fe.Kind, fault.Invalid)
	}
	if fe.Field != field {
		t.Errorf("%s error = %v, want field %q", call, err, field)
	}
	if !strings.Contains(fe.Message, field) {
		t.Errorf("%s error message %q does not mention %q", call, fe.Message, field)
	}
}

// emailOfLength returns an address with a local part of n bytes whose whole length
// is total bytes.
func emailOfLength(local, total int) string {
	l := strings.Repeat("m", local)
	domain := strings.Repeat("d", total-local-1-len(".com")) + ".com"
	return l + "@" + domain
}

func TestNewAccepts(t *testing.T) {
	tests := []struct {
		name string
		edit func(r *operator.Registration)
		want func(o *operator.Operator) // changes from the base operator
	}{
		{"valid registration as given", nil, nil},

		{"name is trimmed",
			func(r *operator.Registration) { r.Name = " \t Maria Schmidt \n" }, nil},
		{"one-character name",
			func(r *operator.Registration) { r.Name = "M" },
			func(o *operator.Operator) { o.Name = "M" }},
		{"200-character name",
			func(r *operator.Registration) { r.Name = strings.Repeat("a", 200) },
			func(o *operator.Operator) { o.Name = strings.Repeat("a", 200) }},
		{"200 two-byte characters count as 200, not 400",
			func(r *operator.Registration) { r.Name = strings.Repeat("é", 200) },
			func(o *operator.Operator) { o.Name = strings.Repeat("é", 200) }},
		{"200 characters after trimming",
			func(r *operator.Registration) { r.Name = "  " + strings.Repeat("a", 200) + "  " },
			func(o *operator.Operator) { o.Name = strings.Repeat("a", 200) }},
		{"name with non-Latin letters",
			func(r *operator.Registration) { r.Name = "Мария 陈" },
			func(o *operator.Operator) { o.Name = "Мария 陈" }},

		{"email is trimmed",
			func(r *operator.Registration) { r.Email = "  maria@example.com\t" }, nil},
		{"email keeps its case",
			func(r *operator.Registration) { r.Email = "Maria@Example.com" },
			func(o *operator.Operator) { o.Email = "Maria@Example.com" }},
		{"plus addressing",
			func(r *operator.Registration) { r.Email = "maria+tasks@example.com" },
			func(o *operator.Operator) { o.Email = "maria+tasks@example.com" }},
		{"subdomains",
			func(r *operator.Registration) { r.Email = "m.schmidt@mail.example.co.uk" },
			func(o *operator.Operator) { o.Email = "m.schmidt@mail.example.co.uk" }},
		{"hyphen inside a domain label",
			func(r *operator.Registration) { r.Email = "m_s-1@my-example.com" },
			func(o *operator.Operator) { o.Email = "m_s-1@my-example.com" }},
		{"254-character email",
			func(r *operator.Registration) { r.Email = emailOfLength(10, 254) },
			func(o *operator.Operator) { o.Email = emailOfLength(10, 254) }},
		{"64-character local part",
			func(r *operator.Registration) { r.Email = emailOfLength(64, 80) },
			func(o *operator.Operator) { o.Email = emailOfLength(64, 80) }},

		{"empty phone stays empty",
			func(r *operator.Registration) { r.Phone = "" },
			func(o *operator.Operator) { o.Phone = "" }},
		{"blank phone is no phone",
			func(r *operator.Registration) { r.Phone = "   " },
			func(o *operator.Operator) { o.Phone = "" }},
		{"spaces and dashes are removed from the phone",
			func(r *operator.Registration) { r.Phone = "+49 151-2345-6789" }, nil},
		{"parentheses and dots are removed from the phone",
			func(r *operator.Registration) { r.Phone = "(+1) 415.555.0100" },
			func(o *operator.Operator) { o.Phone = "+14155550100" }},
		{"area code in parentheses",
			func(r *operator.Registration) { r.Phone = " +1 (415) 555-0100 " },
			func(o *operator.Operator) { o.Phone = "+14155550100" }},
		{"8-digit phone",
			func(r *operator.Registration) { r.Phone = "+12345678" },
			func(o *operator.Operator) { o.Phone = "+12345678" }},
		{"15-digit phone",
			func(r *operator.Registration) { r.Phone = "+123456789012345" },
			func(o *operator.Operator) { o.Phone = "+123456789012345" }},

		{"no location",
			func(r *operator.Registration) { r.Location = nil },
			func(o *operator.Operator) { o.Location = nil }},
		{"lower-case country is canonicalised and city trimmed",
			func(r *operator.Registration) {
				r.Location = &operator.Location{City: "  Berlin ", Country: " de "}
			}, nil},
		{"location without a city",
			func(r *operator.Registration) { r.Location = &operator.Location{Country: "fr"} },
			func(o *operator.Operator) { o.Location = &operator.Location{Country: "FR"} }},
		{"200-character city",
			func(r *operator.Registration) {
				r.Location = &operator.Location{City: strings.Repeat("ö", 200), Country: "AT"}
			},
			func(o *operator.Operator) {
				o.Location = &operator.Location{City: strings.Repeat("ö", 200), Country: "AT"}
			}},

		{"nil skills mean every skill",
			func(r *operator.Registration) { r.Skills = nil },
			func(o *operator.Operator) { o.Skills = skills.AllSet() }},
		{"empty skills mean every skill",
			func(r *operator.Registration) { r.Skills = []string{} },
			func(o *operator.Operator) { o.Skills = skills.AllSet() }},
		{"duplicate skills are folded",
			func(r *operator.Registration) {
				r.Skills = []string{"PHOTO", "DELIVERY", "PHOTO", " DELIVERY "}
			},
			func(o *operator.Operator) { o.Skills = skills.Of(skills.Photo, skills.Delivery) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := validRegistration(tt.edit)
			want := &operator.Operator{
				ID:        testID,
				Name:      "Maria Schmidt",
				Email:     "maria@example.com",
				Phone:     "+4915123456789",
				Location:  &operator.Location{City: "Berlin", Country: "DE"},
				Skills:    skills.Of(skills.Photo),
				Rating:    500,
				CreatedAt: created.UTC(),
				UpdatedAt: created.UTC(),
			}
			if tt.want != nil {
				tt.want(want)
			}

			got, err := operator.New(r, testID, created)
			if err != nil {
				t.Fatalf("New(%s) error = %v, want nil", showRegistration(r), err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("New(%s) mismatch (-want +got):\n%s", showRegistration(r), diff)
			}
			if got.CreatedAt.Location() != time.UTC || got.UpdatedAt.Location() != time.UTC {
				t.Errorf("New times in %v and %v, want UTC",
					got.CreatedAt.Location(), got.UpdatedAt.Location())
			}
			if got.Location != nil && got.Location == r.Location {
				t.Errorf("New kept the caller's *Location, want its own copy")
			}
		})
	}
}

func TestNewRejects(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(r *operator.Registration)
		field string
		bug   string // non-empty: the bug this case once caught
	}{
		{"empty name", func(r *operator.Registration) { r.Name = "" }, "name", ""},
		{"blank name", func(r *operator.Registration) { r.Name = " \t\n " }, "name", ""},
		{"201-character name",
			func(r *operator.Registration) { r.Name = strings.Repeat("a", 201) }, "name", ""},
		{"201 two-byte characters",
			func(r *operator.Registration) { r.Name = strings.Repeat("é", 201) }, "name", ""},
		{"NUL in name", func(r *operator.Registration) { r.Name = "Ma\x00ria" }, "name", ""},
		{"newline in name", func(r *operator.Registration) { r.Name = "Ma\nria" }, "name", ""},
		{"tab in name", func(r *operator.Registration) { r.Name = "Ma\tria" }, "name", ""},
		{"DEL in name", func(r *operator.Registration) { r.Name = "Maria\x7fS" }, "name", ""},
		{"escape sequence in name",
			func(r *operator.Registration) { r.Name = "\x1b[31mMaria" }, "name", ""},
		{"invalid UTF-8 in name", func(r *operator.Registration) { r.Name = "Ma\xffria" }, "name", ""},
		{"C1 control character in name",
			func(r *operator.Registration) { r.Name = "Ma\u0085ria" }, "name",
			"operator.checkName accepts C1 controls (U+0080..U+009F): hasControl checks only < 0x20 and 0x7f"},
		{"C1 CSI in name",
			func(r *operator.Registration) { r.Name = "\u009b31mMaria" }, "name",
			"operator.checkName accepts C1 controls (U+0080..U+009F): hasControl checks only < 0x20 and 0x7f"},

		{"empty email", func(r *operator.Registration) { r.Email = "" }, "email", ""},
		{"blank email", func(r *operator.Registration) { r.Email = "   " }, "email", ""},
		{"email without @",
			func(r *operator.Registration) { r.Email = "maria.example.com" }, "email", ""},
		{"email without a dot in the domain",
			func(r *operator.Registration) { r.Email = "maria@localhost" }, "email", ""},
		{"display-name form",
			func(r *operator.Registration) { r.Email = "Maria <m@example.com>" }, "email", ""},
		{"angle brackets only",
			func(r *operator.Registration) { r.Email = "<m@example.com>" }, "email", ""},
		{"trailing comment",
			func(r *operator.Registration) { r.Email = "m@example.com(Maria)" }, "email", ""},
		{"quoted local part",
			func(r *operator.Registration) { r.Email = `"maria"@example.com` }, "email", ""},
		{"space in the local part",
			func(r *operator.Registration) { r.Email = "ma ria@example.com" }, "email", ""},
		{"space in the domain",
			func(r *operator.Registration) { r.Email = "maria@exam ple.com" }, "email", ""},
		{"empty domain label",
			func(r *operator.Registration) { r.Email = "a@b..com" }, "email", ""},
		{"domain starts with a dot",
			func(r *operator.Registration) { r.Email = "a@.b.com" }, "email", ""},
		{"domain ends with a dot",
			func(r *operator.Registration) { r.Email = "a@b.com." }, "email", ""},
		{"label starts with a dash",
			func(r *operator.Registration) { r.Email = "a@-b.com" }, "email", ""},
		{"label ends with a dash",
			func(r *operator.Registration) { r.Email = "a@b-.com" }, "email", ""},
		{"empty local part",
			func(r *operator.Registration) { r.Email = "@example.com" }, "email", ""},
		{"empty domain", func(r *operator.Registration) { r.Email = "maria@" }, "email", ""},
		{"two @ signs",
			func(r *operator.Registration) { r.Email = "a@b@example.com" }, "email", ""},
		{"255-character email",
			func(r *operator.Registration) { r.Email = emailOfLength(10, 255) }, "email", ""},
		{"65-character local part",
			func(r *operator.Registration) { r.Email = emailOfLength(65, 80) }, "email", ""},
		{"control character in email",
			func(r *operator.Registration) { r.Email = "ma\x01ria@example.com" }, "email", ""},

		{"phone without plus",
			func(r *operator.Registration) { r.Phone = "4915123456789" }, "phone", ""},
		{"phone with 00 instead of plus",
			func(r *operator.Registration) { r.Phone = "0049 151 23456789" }, "phone", ""},
		{"phone starting with 0 after the plus",
			func(r *operator.Registration) { r.Phone = "+015123456789" }, "phone", ""},
		{"phone with letters",
			func(r *operator.Registration) { r.Phone = "+1 800 FLOWERS" }, "phone", ""},
		{"phone with 7 digits",
			func(r *operator.Registration) { r.Phone = "+1234567" }, "phone", ""},
		{"phone with 16 digits",
			func(r *operator.Registration) { r.Phone = "+1234567890123456" }, "phone", ""},
		{"phone with two pluses",
			func(r *operator.Registration) { r.Phone = "++4915123456789" }, "phone", ""},
		{"phone with a slash",
			func(r *operator.Registration) { r.Phone = "+49 151/23456789" }, "phone", ""},
		{"plus sign alone", func(r *operator.Registration) { r.Phone = "+" }, "phone", ""},
		{"phone of separators only",
			func(r *operator.Registration) { r.Phone = "() - ." }, "phone",
			"operator.checkPhone turns a phone of separators only into \"\" (no phone) instead of rejecting it"},

		{"unknown country",
			func(r *operator.Registration) { r.Location = &operator.Location{Country: "XX"} },
			"location.country", ""},
		{"alpha-3 country",
			func(r *operator.Registration) { r.Location = &operator.Location{Country: "DEU"} },
			"location.country", ""},
		{"missing country",
			func(r *operator.Registration) { r.Location = &operator.Location{City: "Berlin"} },
			"location.country", ""},
		{"blank country",
			func(r *operator.Registration) {
				r.Location = &operator.Location{City: "Berlin", Country: "  "}
			}, "location.country", ""},
		{"empty location object",
			func(r *operator.Registration) { r.Location = &operator.Location{} },
			"location.country", ""},
		{"201-character city",
			func(r *operator.Registration) {
				r.Location = &operator.Location{City: strings.Repeat("ö", 201), Country: "DE"}
			}, "location.city", ""},
		{"control character in city",
			func(r *operator.Registration) {
				r.Location = &operator.Location{City: "Ber\nlin", Country: "DE"}
			}, "location.city", ""},
		{"C1 control character in city",
			func(r *operator.Registration) {
				r.Location = &operator.Location{City: "Ber\u0085lin", Country: "DE"}
			}, "location.city",
			"operator.checkLocation accepts C1 controls (U+0080..U+009F) in the city: hasControl checks only < 0x20 and 0x7f"},

		{"unknown skill",
			func(r *operator.Registration) { r.Skills = []string{"PHOTO", "JUGGLING"} },
			"skills", ""},
		{"empty skill name",
			func(r *operator.Registration) { r.Skills = []string{""} }, "skills", ""},

		{"first broken rule is reported",
			func(r *operator.Registration) {
				*r = operator.Registration{Email: "bad", Phone: "bad",
					Location: &operator.Location{Country: "XX"}, Skills: []string{"bad"}}
			}, "name", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is rejected", func(t *testing.T) {
			t.Cleanup(func() {
				if t.Failed() && tt.bug != "" {
					t.Log("regression of a fixed bug: " + tt.bug)
				}
			})
			r := validRegistration(tt.edit)
			got, err := operator.New(r, testID, created)
			if got != nil {
				t.Errorf("New(%s) = %+v, want nil", showRegistration(r), got)
			}
			wantInvalid(t, "New("+showRegistration(r)+")", err, tt.field)
		})
	}
}

func TestNewUnknownSkillIsNamed(t *testing.T) {
	r := validRegistration(func(r *operator.Registration) { r.Skills = []string{"JUGGLING"} })
	_, err := operator.New(r, testID, created)
	if err == nil || !strings.Contains(err.Error(), `"JUGGLING"`) {
		t.Errorf("New(%s) error = %v, want it to name %q", showRegistration(r), err, "JUGGLING")
	}
}

// registered returns the operator that validRegistration describes.
func registered(t *testing.T) *operator.Operator {
	t.Helper()
	r := validRegistration(nil)
	o, err := operator.New(r, testID, created)
	if err != nil {
		t.Fatalf("New(%s) error = %v", showRegistration(r), err)
	}
	return o
}

func ptrTo[T any](v T) *T { return &v }

func TestUpdateApply(t *testing.T) {
	tests := []struct {
		name   string
		update operator.Update
		want   func(o *operator.Operator) // changes besides UpdatedAt
	}{
		{"empty update changes only UpdatedAt", operator.Update{}, nil},
		{"name alone is changed and trimmed",
			operator.Update{Name: ptrTo("  Anna Müller ")},
			func(o *operator.Operator) { o.Name = "Anna Müller" }},
		{"phone alone is normalised",
			operator.Update{Phone: ptrTo("+1 (415) 555-0100")},
			func(o *operator.Operator) { o.Phone = "+14155550100" }},
		{"empty phone clears the phone",
			operator.Update{Phone: ptrTo("")},
			func(o *operator.Operator) { o.Phone = "" }},
		{"location alone is replaced and canonicalised",
			operator.Update{Location: &operator.Location{City: " Paris ", Country: "fr"}},
			func(o *operator.Operator) { o.Location = &operator.Location{City: "Paris", Country: "FR"} }},
		{"location without city drops the old city",
			operator.Update{Location: &operator.Location{Country: "AT"}},
			func(o *operator.Operator) { o.Location = &operator.Location{Country: "AT"} }},
		{"zero location clears the location",
			operator.Update{Location: &operator.Location{}},
			func(o *operator.Operator) { o.Location = nil }},
		{"skills alone are replaced, duplicates folded",
			operator.Update{Skills: &[]string{"DELIVERY", "CAPTCHA_SOLVING", "DELIVERY"}},
			func(o *operator.Operator) { o.Skills = skills.Of(skills.Delivery, skills.CaptchaSolving) }},
		{"empty skills mean every skill",
			operator.Update{Skills: &[]string{}},
			func(o *operator.Operator) { o.Skills = skills.AllSet() }},
		{"every field at once",
			operator.Update{
				Name:     ptrTo("Anna"),
				Phone:    ptrTo(""),
				Location: &operator.Location{Country: "gb"},
				Skills:   &[]string{"INSPECTION"},
			},
			func(o *operator.Operator) {
				o.Name = "Anna"
				o.Phone = ""
				o.Location = &operator.Location{Country: "GB"}
				o.Skills = skills.Of(skills.Inspection)
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := registered(t)
			o.Subject = "user_2abc"
			o.Rating = 473
			before := o.Clone()
			want := o.Clone()
			if tt.want != nil {
				tt.want(want)
			}
			want.UpdatedAt = updated.UTC()

			got, err := tt.update.Apply(o, updated)
			if err != nil {
				t.Fatalf("Apply(%s) error = %v, want nil", showUpdate(tt.update), err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Apply(%s) mismatch (-want +got):\n%s", showUpdate(tt.update), diff)
			}
			if got == o {
				t.Errorf("Apply(%s) returned the original pointer, want a copy", showUpdate(tt.update))
			}
			if diff := cmp.Diff(before, o); diff != "" {
				t.Errorf("Apply(%s) changed the original (-want +got):\n%s", showUpdate(tt.update), diff)
			}
			if !got.CreatedAt.Equal(created) || got.Email != before.Email {
				t.Errorf("Apply(%s) CreatedAt, Email = %v, %q; want %v, %q unchanged",
					showUpdate(tt.update), got.CreatedAt, got.Email, created, before.Email)
			}
			if got.UpdatedAt.Location() != time.UTC {
				t.Errorf("Apply(%s) UpdatedAt in %v, want UTC", showUpdate(tt.update), got.UpdatedAt.Location())
			}
			if got.Location != nil && (got.Location == o.Location || got.Location == tt.update.Location) {
				t.Errorf("Apply(%s) shares a *Location, want its own copy", showUpdate(tt.update))
			}
		})
	}
}

func TestUpdateApplyRejects(t *testing.T) {
	tests := []struct {
		name   string
		update operator.Update
		field  string
	}{
		{"empty name", operator.Update{Name: ptrTo("")}, "name"},
		{"blank name", operator.Update{Name: ptrTo("   ")}, "name"},
		{"201-character name", operator.Update{Name: ptrTo(strings.Repeat("a", 201))}, "name"},
		{"control character in name", operator.Update{Name: ptrTo("A\x00nna")}, "name"},
		{"phone without plus", operator.Update{Phone: ptrTo("015123456789")}, "phone"},
		{"too short phone", operator.Update{Phone: ptrTo("+1234")}, "phone"},
		{"unknown country", operator.Update{Location: &operator.Location{Country: "XX"}},
			"location.country"},
		{"city without country", operator.Update{Location: &operator.Location{City: "Berlin"}},
			"location.country"},
		{"201-character city", operator.Update{Location: &operator.Location{
			City: strings.Repeat("a", 201), Country: "DE"}}, "location.city"},
		{"unknown skill", operator.Update{Skills: &[]string{"JUGGLING"}}, "skills"},
		{"valid name with invalid phone changes nothing",
			operator.Update{Name: ptrTo("Anna"), Phone: ptrTo("12")}, "phone"},
		{"valid name and phone with invalid skills changes nothing",
			operator.Update{Name: ptrTo("Anna"), Phone: ptrTo(""), Skills: &[]string{"X"}}, "skills"},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is rejected", func(t *testing.T) {
			o := registered(t)
			before := o.Clone()

			got, err := tt.update.Apply(o, updated)
			wantInvalid(t, "Apply("+showUpdate(tt.update)+")", err, tt.field)
			if got != o {
				t.Errorf("Apply(%s) returned %p, want the original %p", showUpdate(tt.update), got, o)
			}
			if diff := cmp.Diff(before, o); diff != "" {
				t.Errorf("Apply(%s) changed the original (-want +got):\n%s", showUpdate(tt.update), diff)
			}
		})
	}
}

func TestUpdateIsZero(t *testing.T) {
	tests := []struct {
		name   string
		update operator.Update
		want   bool
	}{
		{"no field set is zero", operator.Update{}, true},
		{"empty name is a change", operator.Update{Name: ptrTo("")}, false},
		{"empty phone is a change", operator.Update{Phone: ptrTo("")}, false},
		{"zero location is a change", operator.Update{Location: &operator.Location{}}, false},
		{"empty skills are a change", operator.Update{Skills: &[]string{}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.update.IsZero(); got != tt.want {
				t.Errorf("(%+v).IsZero() = %v, want %v", showUpdate(tt.update), got, tt.want)
			}
		})
	}
}

func TestEmailKey(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"lower case is kept", "maria@example.com", "maria@example.com"},
		{"upper case is folded", "Maria@Example.COM", "maria@example.com"},
		{"spaces are trimmed", "  MARIA@example.com\t", "maria@example.com"},
		{"plus tag is kept", "Maria+Tasks@Example.com", "maria+tasks@example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := operator.EmailKey(tt.in); got != tt.want {
				t.Errorf("EmailKey(%q) = %q, want %q", tt.in, got, tt.want)
			}
			o := &operator.Operator{Email: tt.in}
			if got := o.EmailKey(); got != tt.want {
				t.Errorf("(&Operator{Email: %q}).EmailKey() = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestClone(t *testing.T) {
	tests := []struct {
		name     string
		location *operator.Location
	}{
		{"operator with a location", &operator.Location{City: "Berlin", Country: "DE"}},
		{"operator without a location", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is deep-copied", func(t *testing.T) {
			o := registered(t)
			o.Location = tt.location
			o.Subject = "user_2abc"
			want := &operator.Operator{
				ID: o.ID, Name: o.Name, Email: o.Email, Phone: o.Phone, Skills: o.Skills,
				Subject: o.Subject, Rating: o.Rating, CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt,
			}
			if tt.location != nil {
				want.Location = &operator.Location{City: tt.location.City, Country: tt.location.Country}
			}

			c := o.Clone()
			if diff := cmp.Diff(want, c); diff != "" {
				t.Fatalf("Clone() mismatch (-want +got):\n%s", diff)
			}
			if c == o {
				t.Fatalf("Clone() returned its receiver, want a copy")
			}
			c.Name = "Changed"
			c.Skills = 0
			if c.Location != nil {
				c.Location.City = "Changed"
				c.Location.Country = "FR"
			}
			if diff := cmp.Diff(want, o); diff != "" {
				t.Errorf("original changed through its clone (-want +got):\n%s", diff)
			}
		})
	}
}
