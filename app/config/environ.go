package config

import (
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Environ renders cfg as the ORDERFLOW_ variables that make it from the
// defaults: one per key whose value differs from its default, one per step
// for faults.error_rate. Parse(nil, Environ(cfg)) gives cfg back. It is how
// one process hands its configuration to another (the fault suite and the
// benchmark start serve this way, `orderflow config --env` prints it); a SASL
// password is in it as it is.
func Environ(cfg Config) []string {
	var out []string
	environ(reflect.ValueOf(cfg), reflect.ValueOf(Default()), EnvPrefix, &out)
	return out
}

// environ walks the keys as collectFields does, comparing each with def.
func environ(v, def reflect.Value, prefix string, out *[]string) {
	t := v.Type()
	for i := range t.NumField() {
		tag, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		name := prefix + strings.ToUpper(tag)
		f, d := v.Field(i), def.Field(i)
		switch f.Kind() {
		case reflect.Struct:
			environ(f, d, name+"_", out)
		case reflect.Map:
			for _, step := range StepNames() {
				k := reflect.ValueOf(step)
				x, y := f.MapIndex(k), d.MapIndex(k)
				if x.IsValid() && (!y.IsValid() || !reflect.DeepEqual(x.Interface(), y.Interface())) {
					*out = append(*out, name+"_"+strings.ToUpper(step)+"="+formatField(x))
				}
			}
		default:
			if !reflect.DeepEqual(f.Interface(), d.Interface()) {
				*out = append(*out, name+"="+formatField(f))
			}
		}
	}
}

// formatField writes a value as setField reads it.
func formatField(f reflect.Value) string {
	if f.Type() == durationType {
		return time.Duration(f.Int()).String()
	}
	switch f.Kind() {
	case reflect.Bool:
		return strconv.FormatBool(f.Bool())
	case reflect.Int, reflect.Int64:
		return strconv.FormatInt(f.Int(), 10)
	case reflect.Float64:
		return strconv.FormatFloat(f.Float(), 'g', -1, 64)
	case reflect.Slice:
		items := make([]string, f.Len())
		for i := range items {
			items[i] = f.Index(i).String()
		}
		return strings.Join(items, ",")
	}
	return f.String() // strings, secrets included (their kind is string)
}
