package skills_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/humop/humop/skills"
)

// matchNow is the instant the matcher tests decide at.
var matchNow = time.Date(2026, 4, 2, 12, 0, 0, 0, time.UTC)

// Facts the matcher tests combine.
var (
	photoAndDelivery = skills.Of(skills.Photo, skills.Delivery)

	verified   = skills.Operator{ID: "op_1", Skills: photoAndDelivery, KYCApproved: true}
	unverified = skills.Operator{ID: "op_2", Skills: photoAndDelivery}
	openPhoto  = skills.Task{Type: skills.Photo, Open: true, Deadline: matchNow.Add(time.Hour)}
)

// with returns t changed by fn, so table rows read as differences from an
// open photo task.
func with(t skills.Task, fn func(*skills.Task)) skills.Task {
	fn(&t)
	return t
}

func TestExplain(t *testing.T) {
	claimed := func(t *skills.Task) { t.Open = false; t.HolderID = "op_other" }
	heldByMe := func(t *skills.Task) { t.Open = false; t.HolderID = "op_1" }
	expired := func(t *skills.Task) { t.Deadline = matchNow.Add(-time.Second) }
	dueNow := func(t *skills.Task) { t.Deadline = matchNow }
	dueSoon := func(t *skills.Task) { t.Deadline = matchNow.Add(time.Nanosecond) }
	inspection := func(t *skills.Task) { t.Type = skills.Inspection }
	unknownType := func(t *skills.Task) { t.Type = "GARDENING" }
	lowerCase := func(t *skills.Task) { t.Type = "photo" }
	noDeadline := func(t *skills.Task) { t.Deadline = time.Time{} }

	tests := []struct {
		behaviour string
		op        skills.Operator
		task      skills.Task
		want      []skills.Reason
	}{
		{"verified operator with the skill may claim an open task", verified, openPhoto, nil},
		{"a deadline one nanosecond ahead has not passed", verified, with(openPhoto, dueSoon), nil},
		{"unverified operator may not claim", unverified, openPhoto,
			[]skills.Reason{skills.KYCNotApproved}},
		{"operator without the skill may not claim", verified, with(openPhoto, inspection),
			[]skills.Reason{skills.SkillNotHeld}},
		{"a type that is not a skill is never held", verified, with(openPhoto, unknownType),
			[]skills.Reason{skills.SkillNotHeld}},
		{"a type in lower case is not a skill", verified, with(openPhoto, lowerCase),
			[]skills.Reason{skills.SkillNotHeld}},
		{"operator with no skills holds none", skills.Operator{ID: "op_3", KYCApproved: true}, openPhoto,
			[]skills.Reason{skills.SkillNotHeld}},
		{"a task claimed by another operator is not open", verified, with(openPhoto, claimed),
			[]skills.Reason{skills.NotOpen}},
		{"a task claimed by this operator is not open either", verified, with(openPhoto, heldByMe),
			[]skills.Reason{skills.NotOpen}},
		{"a task that is not open is refused even with no holder", verified,
			with(openPhoto, func(t *skills.Task) { t.Open = false }),
			[]skills.Reason{skills.NotOpen}},
		{"a deadline in the past has passed", verified, with(openPhoto, expired),
			[]skills.Reason{skills.DeadlinePassed}},
		{"a deadline equal to now has passed", verified, with(openPhoto, dueNow),
			[]skills.Reason{skills.DeadlinePassed}},
		{"a zero deadline has passed", verified, with(openPhoto, noDeadline),
			[]skills.Reason{skills.DeadlinePassed}},
		{"KYC comes before the skill", unverified, with(openPhoto, inspection),
			[]skills.Reason{skills.KYCNotApproved, skills.SkillNotHeld}},
		{"the skill comes before the status", verified, with(with(openPhoto, inspection), claimed),
			[]skills.Reason{skills.SkillNotHeld, skills.NotOpen}},
		{"the status comes before the deadline", verified, with(with(openPhoto, claimed), expired),
			[]skills.Reason{skills.NotOpen, skills.DeadlinePassed}},
		{"KYC comes before the deadline", unverified, with(openPhoto, dueNow),
			[]skills.Reason{skills.KYCNotApproved, skills.DeadlinePassed}},
		{"every reason is reported, in order", unverified,
			with(with(with(openPhoto, inspection), claimed), expired),
			[]skills.Reason{skills.KYCNotApproved, skills.SkillNotHeld, skills.NotOpen, skills.DeadlinePassed}},
	}
	for _, tt := range tests {
		t.Run(tt.behaviour, func(t *testing.T) {
			got := skills.Explain(tt.op, tt.task, matchNow)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Explain(%+v, %+v) mismatch (-want +got):\n%s", tt.op, tt.task, diff)
			}
			if got, want := skills.CanClaim(tt.op, tt.task, matchNow), tt.want == nil; got != want {
				t.Errorf("CanClaim(%+v, %+v) = %v, want %v", tt.op, tt.task, got, want)
			}
		})
	}
}

// combinations returns every operator and task built from the facts that
// matter to the matcher: KYC, skill held, open, and the deadline before, at
// and after now.
func combinations() (ops []skills.Operator, tasks []skills.Task) {
	for _, kyc := range []bool{false, true} {
		ops = append(ops, skills.Operator{ID: "op_1", Skills: skills.Of(skills.Photo), KYCApproved: kyc})
	}
	for _, typ := range []skills.Skill{skills.Photo, skills.Delivery} {
		for _, open := range []bool{false, true} {
			for _, d := range []time.Duration{-time.Minute, 0, time.Minute} {
				tasks = append(tasks, skills.Task{Type: typ, Open: open, Deadline: matchNow.Add(d)})
			}
		}
	}
	return ops, tasks
}

func TestExplainOrderAndCanClaimAgree(t *testing.T) {
	ops, tasks := combinations()
	for _, op := range ops {
		for _, task := range tasks {
			why := skills.Explain(op, task, matchNow)
			if !slices.IsSorted(why) {
				t.Errorf("Explain(%+v, %+v) = %v, want reasons in precedence order", op, task, why)
			}
			if got, want := skills.CanClaim(op, task, matchNow), len(why) == 0; got != want {
				t.Errorf("CanClaim(%+v, %+v) = %v, but Explain says %v", op, task, got, why)
			}
		}
	}
}

func TestVisible(t *testing.T) {
	tests := []struct {
		behaviour string
		op        skills.Operator
		task      skills.Task
		want      bool
	}{
		{"an open task of a held skill before its deadline is visible", verified, openPhoto, true},
		{"KYC is not needed to browse", unverified, openPhoto, true},
		{"a task of a skill not held is hidden", verified,
			with(openPhoto, func(t *skills.Task) { t.Type = skills.Inspection }), false},
		{"a claimed task is hidden", verified,
			with(openPhoto, func(t *skills.Task) { t.Open = false; t.HolderID = "op_other" }), false},
		{"a task claimed by the operator is hidden from browsing", verified,
			with(openPhoto, func(t *skills.Task) { t.Open = false; t.HolderID = "op_1" }), false},
		{"a task due now is hidden", verified,
			with(openPhoto, func(t *skills.Task) { t.Deadline = matchNow }), false},
		{"a task past its deadline is hidden", verified,
			with(openPhoto, func(t *skills.Task) { t.Deadline = matchNow.Add(-time.Hour) }), false},
		{"an unverified operator sees only held skills too", unverified,
			with(openPhoto, func(t *skills.Task) { t.Type = skills.CaptchaSolving }), false},
	}
	for _, tt := range tests {
		t.Run(tt.behaviour, func(t *testing.T) {
			if got := skills.Visible(tt.op, tt.task, matchNow); got != tt.want {
				t.Errorf("Visible(%+v, %+v) = %v, want %v", tt.op, tt.task, got, tt.want)
			}
		})
	}
}

func TestVisibleIgnoresKYC(t *testing.T) {
	ops, tasks := combinations()
	for _, task := range tasks {
		if a, b := skills.Visible(ops[0], task, matchNow), skills.Visible(ops[1], task, matchNow); a != b {
			t.Errorf("Visible(%+v) = %v without KYC, %v with; want the same", task, a, b)
		}
		// Whatever is claimable is visible.
		if skills.CanClaim(ops[1], task, matchNow) && !skills.Visible(ops[1], task, matchNow) {
			t.Errorf("task %+v is claimable but not visible", task)
		}
	}
}

func TestHolds(t *testing.T) {
	tests := []struct {
		behaviour string
		op        skills.Operator
		holder    string
		want      bool
	}{
		{"the holder holds the task", verified, "op_1", true},
		{"another operator does not", verified, "op_other", false},
		{"nobody holds an unclaimed task", verified, "", false},
		{"an operator without an id holds nothing", skills.Operator{}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.behaviour, func(t *testing.T) {
			task := with(openPhoto, func(t *skills.Task) { t.HolderID = tt.holder })
			if got := skills.Holds(tt.op, task); got != tt.want {
				t.Errorf("Holds(%q, holder %q) = %v, want %v", tt.op.ID, tt.holder, got, tt.want)
			}
		})
	}
}

func TestReasonString(t *testing.T) {
	tests := []struct {
		r    skills.Reason
		want string
	}{
		{skills.KYCNotApproved, "kyc_not_approved"},
		{skills.SkillNotHeld, "skill_not_held"},
		{skills.NotOpen, "not_open"},
		{skills.DeadlinePassed, "deadline_passed"},
		{0, "Reason(0)"},
		{99, "Reason(99)"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := tt.r.String(); got != tt.want {
				t.Errorf("Reason(%d).String() = %q, want %q", int(tt.r), got, tt.want)
			}
		})
	}
}

func ExampleExplain() {
	now := time.Date(2026, 4, 2, 12, 0, 0, 0, time.UTC)
	op := skills.Operator{ID: "op_1", Skills: skills.Of(skills.Photo)}
	task := skills.Task{Type: skills.Delivery, Open: true, Deadline: now}
	fmt.Println(skills.Explain(op, task, now))
	photo := skills.Task{Type: skills.Photo, Open: true, Deadline: now.Add(time.Hour)}
	fmt.Println(skills.Visible(op, photo, now))
	// Output:
	// [kyc_not_approved skill_not_held deadline_passed]
	// true
}
