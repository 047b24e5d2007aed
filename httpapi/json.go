package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/humop/humop/fault"
)

// decode reads r's JSON body into v: an object, no unknown fields, nothing
// after it, at most MaxBodyBytes. A missing Content-Type is taken as JSON;
// any other media type is refused.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	_, err := decodeRaw(w, r, v)
	return err
}

// decodeRaw is decode that also returns the body as received, for
// idempotency fingerprints.
func decodeRaw(w http.ResponseWriter, r *http.Request, v any) ([]byte, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return nil, &fault.Error{Kind: fault.UnsupportedMedia, Code: "unsupported_media_type",
				Message: "Content-Type must be application/json"}
		}
	}
	if r.ContentLength > MaxBodyBytes {
		return nil, errTooLarge
	}
	body := http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	// Read it whole first so that an over-long body is always a 413,
	// whatever the decoder would have made of its first part.
	raw, err := io.ReadAll(body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, errTooLarge
		}
		return nil, badJSON("request body could not be read")
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil, badJSON("request body is empty; send a JSON object")
	}
	if raw[0] != '{' {
		return nil, badJSON("request body must be a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return nil, decodeError(err)
	}
	if dec.More() {
		return nil, badJSON("request body must hold one JSON object and nothing after it")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, badJSON("request body must hold one JSON object and nothing after it")
	}
	return raw, nil
}

var errTooLarge = &fault.Error{Kind: fault.TooLarge, Code: "too_large",
	Message: fmt.Sprintf("request body must be at most %d bytes", MaxBodyBytes)}

func badJSON(msg string) error {
	return &fault.Error{Kind: fault.Invalid, Code: "malformed_json", Message: msg}
}

// decodeError turns the decoder's error into a message that names the
// field when there is one.
func decodeError(err error) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		if typeErr.Field == "" {
			return badJSON("request body must be a JSON object")
		}
		return fault.Invalidf("", typeErr.Field, "%s must be %s", typeErr.Field, jsonKind(typeErr.Type.Kind().String()))
	case errors.As(err, &syntaxErr):
		return badJSON(fmt.Sprintf("request body is not valid JSON (at byte %d)", syntaxErr.Offset))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badJSON("request body is not valid JSON (it ends too early)")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.TrimPrefix(err.Error(), "json: unknown field ")
		name, _ = strconv.Unquote(name)
		return &fault.Error{Kind: fault.Invalid, Code: "unknown_field", Field: name,
			Message: fmt.Sprintf("unknown field %q", name)}
	}
	if fe := fault.As(err); fe != nil {
		return err
	}
	return badJSON("request body is not valid: " + err.Error())
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "slice", "array":
		return "an array"
	case "struct", "map":
		return "an object"
	case "bool":
		return "true or false"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "a whole number"
	case "float32", "float64":
		return "a number"
	}
	return "of another type"
}

// writeJSON writes v with the status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		status = http.StatusInternalServerError
		buf.Reset()
		buf.WriteString(`{"error":"internal error"}` + "\n")
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// Time is a timestamp on the wire: UTC RFC 3339 with milliseconds.
type Time time.Time

// TimeFormat is the layout of every timestamp on the wire.
const TimeFormat = "2006-01-02T15:04:05.000Z07:00"

// MarshalJSON writes t in TimeFormat, in UTC.
func (t Time) MarshalJSON() ([]byte, error) {
	return []byte(`"` + time.Time(t).UTC().Format(TimeFormat) + `"`), nil
}

// optTime returns nil for the zero time, so it encodes as null.
func optTime(t time.Time) *Time {
	if t.IsZero() {
		return nil
	}
	wt := Time(t)
	return &wt
}

// Hundredths is a number with two decimals on the wire, held as an integer
// count of hundredths (cents for money, hundredths of a star for ratings).
// It always encodes with two decimals, as 15.00 or 4.75.
type Hundredths int64

// MarshalJSON writes h as a decimal number with two places.
func (h Hundredths) MarshalJSON() ([]byte, error) {
	n := int64(h)
	sign := ""
	if n < 0 {
		sign, n = "-", -n
	}
	return []byte(fmt.Sprintf("%s%d.%02d", sign, n/100, n%100)), nil
}
