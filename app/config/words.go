package config

import (
	"reflect"
	"strings"
	"time"
)

// wants says in words what kind of value a key of type t takes.
func wants(t reflect.Type) string {
	if t == reflect.TypeFor[time.Duration]() {
		return "a duration (such as 90s, 2m or 1h30m)"
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int64:
		return "a whole number"
	case reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "a string"
	case reflect.Slice:
		return "a list (such as [a, b])"
	case reflect.Map, reflect.Struct:
		return "a section of keys"
	}
	return strings.ToLower(t.Kind().String())
}
