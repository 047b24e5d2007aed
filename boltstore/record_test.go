package boltstore

import (
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/humop/humop/agent"
	"github.com/humop/humop/kyc"
	"github.com/humop/humop/operator"
	"github.com/humop/humop/task"
)

// TestRecordsCoverDomainFields fails when a domain type gains a field that
// its record type does not store, which would otherwise be dropped silently.
func TestRecordsCoverDomainFields(t *testing.T) {
	for _, tc := range []struct {
		domain, record any
		key            string // the domain field stored as the record's key
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
	names := []string{}
	for f := range reflect.TypeOf(v).Fields() {
		if f.Name != skip {
			names = append(names, f.Name)
		}
	}
	return names
}
