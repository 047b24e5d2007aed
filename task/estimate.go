package task

// MaxEstimateDays bounds an estimate: its total may be at most this many
// days. It keeps every sum far from overflowing and refuses nonsense.
const MaxEstimateDays = 365

// maxEstimateMinutes is MaxEstimateDays in minutes.
const maxEstimateMinutes = MaxEstimateDays * 24 * 60

// Estimate is how long the holder expects the work to take, given when
// claiming. The units add up: 1 day, 2 hours and 30 minutes is 1590 minutes.
// A unit may exceed the next larger one only when no larger unit is given:
// 36 hours alone is fine, but 1 day and 24 hours is not.
type Estimate struct {
	Days    int    // "estimate_days"
	Hours   int    // "estimate_hours"
	Minutes int    // "estimate_minutes"
	Note    string // "estimate_note"; optional
}

// TotalMinutes returns the estimate in minutes, the form the wire reports as
// estimate_minutes.
func (e Estimate) TotalMinutes() int {
	return e.Days*24*60 + e.Hours*60 + e.Minutes
}

// Check reports whether e is a valid estimate: no unit negative, a total above
// zero and at most MaxEstimateDays, hours under 24 when days are given,
// minutes under 60 when days or hours are given, and a note of at most
// MaxNoteLen characters. The first rule broken is returned as a *fault.Error
// of kind Invalid naming the wire field; rules about the total name
// "estimate_minutes", the wire name of the total. (That the units are whole
// numbers is the decoder's rule: they are ints here.)
func (e Estimate) Check() error {
	_, err := e.normal()
	return err
}

// normal checks e and returns it with its note trimmed.
func (e Estimate) normal() (Estimate, error) {
	units := []struct {
		field string
		v     int
		max   int
	}{
		{"estimate_days", e.Days, MaxEstimateDays},
		{"estimate_hours", e.Hours, MaxEstimateDays * 24},
		{"estimate_minutes", e.Minutes, maxEstimateMinutes},
	}
	for _, u := range units {
		if u.v < 0 {
			return e, invalid(u.field, "%s must not be negative", u.field)
		}
		// Bounding each unit first keeps TotalMinutes from overflowing.
		if u.v > u.max {
			return e, invalid(u.field, "%s must be at most %d", u.field, u.max)
		}
	}
	total := e.TotalMinutes()
	if total == 0 {
		return e, invalid("estimate_minutes",
			"estimate must be more than zero: give estimate_days, estimate_hours or estimate_minutes")
	}
	if e.Days > 0 && e.Hours >= 24 {
		return e, invalid("estimate_hours", "estimate_hours must be under 24 when estimate_days is given")
	}
	if (e.Days > 0 || e.Hours > 0) && e.Minutes >= 60 {
		return e, invalid("estimate_minutes",
			"estimate_minutes must be under 60 when estimate_days or estimate_hours is given")
	}
	if total > maxEstimateMinutes {
		return e, invalid("estimate_minutes", "estimate must be at most %d days in total", MaxEstimateDays)
	}
	note, err := checkNote("estimate_note", e.Note, MaxNoteLen)
	if err != nil {
		return e, err
	}
	e.Note = note
	return e, nil
}
