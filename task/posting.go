package task

import (
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/humop/humop/fault"
	"github.com/humop/humop/ledger"
	"github.com/humop/humop/skills"
)

// Limits on what a posting may hold. Lengths are in characters after
// trimming spaces.
const (
	MaxTitleLen            = 200
	MaxDescriptionLen      = 5000
	MaxProofRequirements   = 20
	MaxProofRequirementLen = 500
	MaxAddressLen          = 500
	MaxURLLen              = 2048
	MaxCallbackSecretLen   = 256
	MaxNoteLen             = 1000 // estimate note, proof item note, reasons
	MaxSubmissionNoteLen   = 5000
)

// Posting is what an agent sends to post a task. Field comments give the
// wire names used in error messages.
type Posting struct {
	Title       string       // "title"
	Description string       // "description"
	Type        skills.Skill // "task_type"; matched as skills.Parse does
	Reward      ledger.Cents // "reward_usd"
	Deadline    time.Time    // "deadline"
	// ProofRequirements is "proof_requirements".
	ProofRequirements []string
	// Location is "location"; required for physical task types.
	Location       *Location
	CallbackURL    string // "callback_url"
	CallbackSecret string // "callback_secret"
}

// New checks p and returns the task it posts, PENDING, with the given id,
// posted by agentID at now. Text is trimmed and times are kept in UTC. The
// first rule broken is returned as a *fault.Error of kind Invalid naming the
// wire field.
func New(p Posting, id, agentID string, now time.Time) (*Task, error) {
	now = now.UTC()
	title, err := checkText("title", p.Title, MaxTitleLen, false)
	if err != nil {
		return nil, err
	}
	desc, err := checkText("description", p.Description, MaxDescriptionLen, true)
	if err != nil {
		return nil, err
	}
	typ, err := checkType(p.Type)
	if err != nil {
		return nil, err
	}
	if err := checkReward(p.Reward); err != nil {
		return nil, err
	}
	if err := checkDeadline(p.Deadline, now); err != nil {
		return nil, err
	}
	reqs, err := checkRequirements(p.ProofRequirements)
	if err != nil {
		return nil, err
	}
	loc, err := checkLocation(p.Location, typ)
	if err != nil {
		return nil, err
	}
	callback, err := checkCallbackURL(p.CallbackURL)
	if err != nil {
		return nil, err
	}
	if utf8.RuneCountInString(p.CallbackSecret) > MaxCallbackSecretLen {
		return nil, invalid("callback_secret",
			"callback_secret must be at most %d characters", MaxCallbackSecretLen)
	}
	return &Task{
		ID:                id,
		AgentID:           agentID,
		Title:             title,
		Description:       desc,
		Type:              typ,
		Location:          loc,
		Reward:            p.Reward,
		Deadline:          p.Deadline.UTC(),
		ProofRequirements: reqs,
		CallbackURL:       callback,
		CallbackSecret:    p.CallbackSecret,
		Status:            Pending,
		CreatedAt:         now,
		UpdatedAt:         now,
	}, nil
}

func invalid(field, format string, args ...any) *fault.Error {
	return fault.Invalidf("task", field, format, args...)
}

// checkText trims s and checks it holds 1 to max characters and no control
// characters; multiline text may hold line breaks and tabs.
func checkText(field, s string, max int, multiline bool) (string, error) {
	s = strings.TrimSpace(s)
	if n := utf8.RuneCountInString(s); n < 1 || n > max {
		return "", invalid(field, "%s must be 1 to %d characters", field, max)
	}
	if !utf8.ValidString(s) || hasControl(s, multiline) {
		return "", invalid(field, "%s must not contain control characters", field)
	}
	return s, nil
}

// checkNote is checkText for optional text: empty is allowed.
func checkNote(field, s string, max int) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	if utf8.RuneCountInString(s) > max {
		return "", invalid(field, "%s must be at most %d characters", field, max)
	}
	if !utf8.ValidString(s) || hasControl(s, true) {
		return "", invalid(field, "%s must not contain control characters", field)
	}
	return s, nil
}

func hasControl(s string, multiline bool) bool {
	for _, r := range s {
		if multiline && (r == '\n' || r == '\r' || r == '\t') {
			continue
		}
		if r < 0x20 || r == 0x7f {
			return true
		}
	}
	return false
}

func checkType(t skills.Skill) (skills.Skill, error) {
	if strings.TrimSpace(string(t)) == "" {
		return "", invalid("task_type", "task_type is required: one of %s", skills.AllSet())
	}
	s, err := skills.Parse(string(t))
	if err != nil {
		return "", invalid("task_type", "task_type must be one of %s, not %q", skills.AllSet(), string(t))
	}
	return s, nil
}

func checkReward(r ledger.Cents) error {
	if r <= 0 {
		return invalid("reward_usd", "reward_usd must be greater than 0")
	}
	if r > ledger.MaxAmount {
		return invalid("reward_usd", "reward_usd must be at most %s", ledger.MaxAmount)
	}
	return nil
}

func checkDeadline(d, now time.Time) error {
	if d.IsZero() {
		return invalid("deadline", "deadline is required")
	}
	if !d.After(now) {
		return ErrDeadlineInPast
	}
	return nil
}

// ErrDeadlineInPast is returned by New for a deadline that is not after
// now: a well-formed time, against the rule that work lies ahead (422).
var ErrDeadlineInPast = &fault.Error{Kind: fault.Unprocessable, Op: "task", Code: "deadline_in_past",
	Field: "deadline", Message: "deadline must be in the future"}

func checkRequirements(reqs []string) ([]string, error) {
	const field = "proof_requirements"
	if len(reqs) == 0 {
		return nil, invalid(field, "proof_requirements must list at least one requirement")
	}
	if len(reqs) > MaxProofRequirements {
		return nil, invalid(field, "proof_requirements must list at most %d requirements",
			MaxProofRequirements)
	}
	out := make([]string, 0, len(reqs))
	for i, r := range reqs {
		r = strings.TrimSpace(r)
		if n := utf8.RuneCountInString(r); n < 1 || n > MaxProofRequirementLen {
			return nil, invalid(field, "proof_requirements[%d] must be 1 to %d characters",
				i, MaxProofRequirementLen)
		}
		if !utf8.ValidString(r) || hasControl(r, false) {
			return nil, invalid(field, "proof_requirements[%d] must not contain control characters", i)
		}
		for _, prev := range out {
			if prev == r {
				return nil, invalid(field, "proof_requirements[%d] repeats %q", i, r)
			}
		}
		out = append(out, r)
	}
	return out, nil
}

func checkLocation(loc *Location, typ skills.Skill) (*Location, error) {
	if loc == nil {
		if typ.Physical() {
			return nil, invalid("location",
				"location is required for task_type %s, which is done on location", typ)
		}
		return nil, nil
	}
	// Written so that NaN, which compares false with everything, fails.
	if !(loc.Lat >= -90 && loc.Lat <= 90) {
		return nil, invalid("location.lat", "location.lat must be between -90 and 90")
	}
	if !(loc.Lng >= -180 && loc.Lng <= 180) {
		return nil, invalid("location.lng", "location.lng must be between -180 and 180")
	}
	addr, err := checkText("location.address", loc.Address, MaxAddressLen, false)
	if err != nil {
		return nil, err
	}
	return &Location{Lat: loc.Lat, Lng: loc.Lng, Address: addr}, nil
}

func checkCallbackURL(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	if !webURL(s) {
		return "", invalid("callback_url",
			"callback_url must be an absolute http or https URL of at most %d characters", MaxURLLen)
	}
	return s, nil
}

// webURL reports whether s is an absolute http or https URL with a host, of
// at most MaxURLLen bytes.
func webURL(s string) bool {
	if len(s) > MaxURLLen || strings.ContainsAny(s, " \t\r\n") {
		return false
	}
	u, err := url.Parse(s)
	if err != nil {
		return false
	}
	scheme := strings.ToLower(u.Scheme)
	return (scheme == "http" || scheme == "https") && u.Host != "" && u.Hostname() != "" &&
		u.Opaque == ""
}
