package boltstore

import (
	"bytes"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/humop/humop/agent"
	"github.com/humop/humop/idempotency"
	"github.com/humop/humop/kyc"
	"github.com/humop/humop/ledger"
	"github.com/humop/humop/operator"
	"github.com/humop/humop/task"
)

// TestRecordsCoverDomainFields fails when a domain type gains a field that
// its record type does not store, which would otherwise be dropped silently.
func TestRecordsCoverDomainFields(t *testing.T) {
	for _, tc := range []struct {
		domain, record any
		key            string // the domain fields stored as the record's key, comma-separated
	}{
		{operator.Operator{}, operatorRecord{}, "ID"},
		{operator.Location{}, locationRecord{}, ""},
		{kyc.Case{}, caseRecord{}, "OperatorID"},
		{kyc.Event{}, eventRecord{}, ""},
		{kyc.Submission{}, submissionRecord{}, ""},
		{kyc.IDDocument{}, idDocumentRecord{}, ""},
		{kyc.Selfie{}, selfieRecord{}, ""},
		{kyc.AddressProof{}, addressProofRecord{}, ""},
		{kyc.Date{}, struct{ Year, Month, Day int }{}, ""}, // dateRecord's order
		{agent.Agent{}, agentRecord{}, "ID"},
		{task.Task{}, taskRecord{}, "ID"},
		{task.Location{}, taskLocationRecord{}, ""},
		{task.Estimate{}, estimateRecord{}, ""},
		{task.Submission{}, taskSubmissionRecord{}, ""},
		{task.ProofItem{}, proofItemRecord{}, ""},
		{ledger.Entry{}, entryRecord{}, "ID"},
		{ledger.Summary{}, summaryRecord{}, "OperatorID"},
		{ledger.Hold{}, holdRecord{}, ""},
		{ledger.Payout{}, payoutRecord{}, "ID"},
		{idempotency.Record{}, idemRecord{}, "Scope,Key"},
		{task.Event{}, outboxRecord{}, "ID"},
	} {
		want := fieldNames(tc.domain, tc.key)
		if len(want) == 0 {
			t.Fatalf("%T has no fields", tc.domain)
		}
		if diff := cmp.Diff(want, fieldNames(tc.record, "")); diff != "" {
			t.Errorf("fields of %T and %T differ (-domain +record):\n%s", tc.domain, tc.record, diff)
		}
	}
}

func fieldNames(v any, skip string) []string {
	skipped := strings.Split(skip, ",")
	names := []string{}
	for f := range reflect.TypeOf(v).Fields() {
		if !slices.Contains(skipped, f.Name) {
			names = append(names, f.Name)
		}
	}
	return names
}

// TestTimeKeyOrder checks that time keys sort as their instants do, across
// zones, 1970 and the zero time, and read back as the same instant.
func TestTimeKeyOrder(t *testing.T) {
	ist := time.FixedZone("IST", 5*3600+1800)
	times := []time.Time{ // ascending
		{},
		time.Date(1969, time.December, 31, 23, 59, 59, 999999999, time.UTC),
		time.Unix(0, 0),
		time.Unix(0, 1),
		time.Date(2025, time.March, 14, 20, 39, 26, 535897932, ist), // 15:09:26 UTC
		time.Date(2025, time.March, 14, 15, 9, 26, 535897933, time.UTC),
		time.Date(9999, time.December, 31, 23, 59, 59, 999999999, time.UTC),
	}
	for i, at := range times {
		k := timeKey(at)
		if got := keyTime(k); !got.Equal(at) || got.Location() != time.UTC {
			t.Errorf("keyTime(timeKey(%v)) = %v, want the same instant in UTC", at, got)
		}
		if i > 0 && bytes.Compare(timeKey(times[i-1]), k) >= 0 {
			t.Errorf("timeKey(%v) does not sort before timeKey(%v)", times[i-1], at)
		}
	}
}

// TestIdemKeyUnique checks that pairs of scope and key that run together
// into the same bytes still have distinct keys, which parse back.
func TestIdemKeyUnique(t *testing.T) {
	pairs := [][2]string{
		{"operator:op_1", "abc"}, {"operator:op_1a", "bc"}, {"operator:op_1ab", "c"},
		{"", "operator:op_1abc"}, {"operator:op_1abc", ""}, {"a\x00b", "c"}, {"a", "\x00bc"},
		{strings.Repeat("s", 300), "k"}, {strings.Repeat("s", 299), "sk"},
	}
	seen := map[string][2]string{}
	for _, p := range pairs {
		k := idemKey(p[0], p[1])
		if other, ok := seen[string(k)]; ok {
			t.Errorf("idemKey(%q, %q) = idemKey(%q, %q)", p[0], p[1], other[0], other[1])
		}
		seen[string(k)] = p
		scope, key, ok := parseIdemKey(k)
		if !ok || scope != p[0] || key != p[1] {
			t.Errorf("parseIdemKey(idemKey(%q, %q)) = %q, %q, %v", p[0], p[1], scope, key, ok)
		}
	}
	for _, bad := range [][]byte{nil, {0x80}, {5, 'a'}} {
		if _, _, ok := parseIdemKey(bad); ok {
			t.Errorf("parseIdemKey(%x) = ok, want not ok", bad)
		}
	}
}
