package devserver

import "github.com/humop/humop/fault"

func invalid(field, msg string) error {
	return &fault.Error{Kind: fault.Invalid, Op: "devserver", Field: field, Message: msg}
}
