package kyc

import (
	"net/url"
	"strings"
	"time"

	"github.com/humop/humop/country"
	"github.com/humop/humop/fault"
)

// IDType is the kind of government photo ID.
type IDType string

// The accepted photo IDs.
const (
	Passport       IDType = "PASSPORT"
	NationalID     IDType = "NATIONAL_ID"
	DriversLicense IDType = "DRIVERS_LICENSE"
)

// AddressProofType is the kind of proof of address.
type AddressProofType string

// The accepted proofs of address.
const (
	UtilityBill   AddressProofType = "UTILITY_BILL"
	BankStatement AddressProofType = "BANK_STATEMENT"
)

// ProofMaxAgeMonths is how recent a proof of address must be.
const ProofMaxAgeMonths = 3

// MaxURLLen bounds document URLs.
const MaxURLLen = 2048

// Submission is the documents an operator sends for review. Build it with
// Check, which validates and normalises every field against the clock;
// Case.Submit refuses a submission that is not Complete.
//
// Document URLs are personal data: never log them.
type Submission struct {
	IDDocument     IDDocument
	Selfie         Selfie
	ProofOfAddress AddressProof
}

// Complete returns nil when every document is present with a known type,
// a country and a file URL. It does not check the proof's age, which
// depends on when it is submitted: Check does.
func (s Submission) Complete() error {
	switch {
	case s.IDDocument.Type != Passport && s.IDDocument.Type != NationalID && s.IDDocument.Type != DriversLicense,
		s.IDDocument.Country == "", s.IDDocument.FileURL == "":
		return invalid("id_document", "id_document is incomplete")
	case s.Selfie.FileURL == "":
		return invalid("selfie", "selfie is incomplete")
	case s.ProofOfAddress.Type != UtilityBill && s.ProofOfAddress.Type != BankStatement,
		s.ProofOfAddress.IssuedOn.IsZero(), s.ProofOfAddress.FileURL == "":
		return invalid("proof_of_address", "proof_of_address is incomplete")
	}
	return nil
}

// IDDocument is a government photo ID.
type IDDocument struct {
	Type    IDType
	Country string // ISO 3166-1 alpha-2, upper case
	FileURL string
}

// Selfie is a photo of the operator to match against the ID.
type Selfie struct {
	FileURL string
}

// AddressProof is a recent document showing the operator's address.
type AddressProof struct {
	Type     AddressProofType
	IssuedOn Date
	FileURL  string
}

// Date is a calendar date without time of day or zone.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// ParseDate parses "YYYY-MM-DD".
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, err
	}
	return DateOf(t), nil
}

// DateOf returns the date of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// String formats d as "YYYY-MM-DD".
func (d Date) String() string { return d.time().Format(time.DateOnly) }

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

func (d Date) time() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

// Before reports whether d is before e.
func (d Date) Before(e Date) bool { return d.time().Before(e.time()) }

// MonthsBefore returns the same day n months earlier, clamped to the end of
// a shorter month: three months before 31 May is 28 (or 29) February.
func (d Date) MonthsBefore(n int) Date {
	first := time.Date(d.Year, d.Month, 1, 0, 0, 0, 0, time.UTC).AddDate(0, -n, 0)
	last := first.AddDate(0, 1, -1).Day()
	day := min(d.Day, last)
	return Date{first.Year(), first.Month(), day}
}

// RawSubmission is a submission as it arrives, before checking. Missing
// documents are nil.
type RawSubmission struct {
	IDDocument     *RawDocument
	Selfie         *RawDocument
	ProofOfAddress *RawDocument
}

// RawDocument is one document as it arrives. Only the fields that the
// document's kind uses are read.
type RawDocument struct {
	Type     string
	Country  string
	IssuedOn string
	FileURL  string
}

// ErrProofTooOld is returned when the proof of address is older than
// ProofMaxAgeMonths or dated in the future.
var ErrProofTooOld = fault.New(fault.Unprocessable, "kyc", "proof_of_address_date",
	"proof_of_address.issued_on must be within the last 3 months and not in the future")

// Check validates r against today's date (from now, in UTC) and returns
// the submission. Syntax and missing fields are fault.Invalid errors naming
// the field; a proof of address out of date is ErrProofTooOld. Exactly three
// months old is accepted; a day more is not.
func Check(r RawSubmission, now time.Time) (Submission, error) {
	var s Submission
	if r.IDDocument == nil {
		return s, invalid("id_document", "id_document is required")
	}
	if r.Selfie == nil {
		return s, invalid("selfie", "selfie is required")
	}
	if r.ProofOfAddress == nil {
		return s, invalid("proof_of_address", "proof_of_address is required")
	}

	id := r.IDDocument
	switch t := IDType(strings.TrimSpace(id.Type)); t {
	case Passport, NationalID, DriversLicense:
		s.IDDocument.Type = t
	default:
		return s, invalid("id_document.type", "id_document.type must be PASSPORT, NATIONAL_ID or DRIVERS_LICENSE")
	}
	code, ok := country.Code(id.Country)
	if !ok {
		return s, invalid("id_document.country", "id_document.country must be an ISO 3166-1 alpha-2 code such as DE")
	}
	s.IDDocument.Country = code
	var err error
	if s.IDDocument.FileURL, err = fileURL("id_document.file_url", id.FileURL); err != nil {
		return s, err
	}
	if s.Selfie.FileURL, err = fileURL("selfie.file_url", r.Selfie.FileURL); err != nil {
		return s, err
	}

	poa := r.ProofOfAddress
	switch t := AddressProofType(strings.TrimSpace(poa.Type)); t {
	case UtilityBill, BankStatement:
		s.ProofOfAddress.Type = t
	default:
		return s, invalid("proof_of_address.type", "proof_of_address.type must be UTILITY_BILL or BANK_STATEMENT")
	}
	issued, err := ParseDate(strings.TrimSpace(poa.IssuedOn))
	if err != nil {
		return s, invalid("proof_of_address.issued_on", "proof_of_address.issued_on must be a date as YYYY-MM-DD")
	}
	if s.ProofOfAddress.FileURL, err = fileURL("proof_of_address.file_url", poa.FileURL); err != nil {
		return s, err
	}
	today := DateOf(now.UTC())
	if issued.Before(today.MonthsBefore(ProofMaxAgeMonths)) || today.Before(issued) {
		return s, ErrProofTooOld
	}
	s.ProofOfAddress.IssuedOn = issued
	return s, nil
}

// fileURL accepts an absolute https URL with a host.
func fileURL(field, raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if raw == "" || err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || len(raw) > MaxURLLen {
		return "", invalid(field, field+" must be an absolute https URL")
	}
	return raw, nil
}

func invalid(field, msg string) error {
	return &fault.Error{Kind: fault.Invalid, Op: "kyc", Field: field, Message: msg}
}
