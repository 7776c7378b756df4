package events

import "errors"

// permanentError marks a failure that no retry can fix: a payload that does
// not decode, an order that fails validation. The pipeline sends such a
// message to the dead-letter topic at once instead of retrying it.
type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// Permanent marks err as permanent. A nil err stays nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err: err}
}

// IsPermanent reports whether err, or any error it wraps, was marked permanent.
// Every other error is transient.
func IsPermanent(err error) bool {
	var p permanentError
	return errors.As(err, &p)
}
