package events

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"iter"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// malformed says why data does not decode as eventType in a sender's words:
// where (the member's path, such as items[0].quantity, and the line and
// column) and what is wrong, without Go's type names.
func malformed(eventType string, data []byte, err error) *MalformedError {
	var syntax *jsontext.SyntacticError
	if errors.As(err, &syntax) {
		why := syntax.Err.Error()
		if errors.Is(syntax.Err, io.ErrUnexpectedEOF) {
			why = "it ends before the JSON is complete"
		}
		return &MalformedError{fmt.Sprintf("payload is not valid JSON (%d bytes): %s, at %s",
			len(data), why, position(data, syntax.ByteOffset))}
	}
	var semantic *json.SemanticError
	if !errors.As(err, &semantic) {
		return &MalformedError{fmt.Sprintf("payload does not fit %s: %v", eventType, err)}
	}
	where := memberPath(semantic.JSONPointer)
	var why string
	switch {
	case errors.Is(semantic.Err, json.ErrUnknownName):
		why = "no such field"
	case semantic.GoType != nil:
		why = fmt.Sprintf("%s is not %s", valueAt(data, semantic), want(semantic.GoType))
	default:
		why = fmt.Sprint(semantic.Err)
	}
	return &MalformedError{fmt.Sprintf("payload does not fit %s: %s: %s, at %s",
		eventType, where, why, position(data, semantic.ByteOffset))}
}

// memberPath turns a JSON pointer (/items/0/quantity) into the path a
// sender reads (items[0].quantity).
func memberPath(p jsontext.Pointer) string { return pathOf(p.Tokens()) }

// MemberPath writes a JSON pointer's tokens as the decoder's messages name a
// member (items[0].quantity): a schema's refusal names a member as the
// decoder's does.
func MemberPath(tokens []string) string { return pathOf(slices.Values(tokens)) }

// pathOf writes a JSON pointer's tokens as a member path.
func pathOf(tokens iter.Seq[string]) string {
	var b strings.Builder
	for token := range tokens {
		if _, err := strconv.Atoi(token); err == nil {
			fmt.Fprintf(&b, "[%s]", token)
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(token)
	}
	if b.Len() == 0 {
		return "the payload"
	}
	return b.String()
}

// valueAt shows the value at the error's offset as sent: a string or number
// itself (up to 40 bytes), else its kind.
func valueAt(data []byte, e *json.SemanticError) string {
	switch e.JSONKind {
	case '{':
		return "an object"
	case '[':
		return "a list"
	case 'n':
		return "null"
	case 't', 'f':
		return "true or false"
	}
	if e.ByteOffset < 0 || e.ByteOffset >= int64(len(data)) {
		return "the value"
	}
	v, err := jsontext.NewDecoder(bytes.NewReader(data[e.ByteOffset:])).ReadValue()
	if err != nil {
		return "the value"
	}
	if len(v) > 40 {
		return string(v[:37]) + "..."
	}
	return string(v)
}

// want says what a Go type takes, in JSON's words.
func want(t reflect.Type) string {
	if t == reflect.TypeFor[time.Time]() {
		return "a time (RFC 3339, such as 2026-12-05T10:00:00Z)"
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "a whole number"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number of 0 or more"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "a list"
	}
	return "an object"
}

// position says where byte offset off is in data: line and column, from 1.
func position(data []byte, off int64) string {
	off = min(max(off, 0), int64(len(data)))
	before := data[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	column := len([]rune(string(before[bytes.LastIndexByte(before, '\n')+1:]))) + 1
	return fmt.Sprintf("line %d, column %d", line, column)
}
