package config

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/orderflow/orderflow/app/suggest"
)

// applyEnv overrides every key named by an ORDERFLOW_ variable. The variable's
// name is the key's path in upper case, sections joined by "_"; lists are
// comma-separated. A variable that names no key is a problem, as an unknown key
// in the file is.
func applyEnv(cfg *Config, environ []string) []error {
	fields := map[string]func(string) error{}
	collectFields(reflect.ValueOf(cfg).Elem(), EnvPrefix, fields)

	var errs []error
	for _, kv := range environ {
		name, value, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(name, EnvPrefix) || name == PathEnv {
			continue
		}
		set, ok := fields[name]
		if !ok {
			errs = append(errs, unknownVariable(name, fields))
			continue
		}
		if err := set(value); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
		}
	}
	return errs
}

// collectFields maps each key's variable name to a setter. A map of rates
// (faults.error_rate) has one key per step.
func collectFields(v reflect.Value, prefix string, into map[string]func(string) error) {
	t := v.Type()
	for i := range t.NumField() {
		tag, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		name := prefix + strings.ToUpper(tag)
		switch f := v.Field(i); f.Kind() {
		case reflect.Struct:
			collectFields(f, name+"_", into)
		case reflect.Map:
			for _, step := range StepNames() {
				into[name+"_"+strings.ToUpper(step)] = func(s string) error {
					x := reflect.New(f.Type().Elem()).Elem()
					if err := setField(x, s); err != nil {
						return err
					}
					if f.IsNil() {
						f.Set(reflect.MakeMap(f.Type()))
					}
					f.SetMapIndex(reflect.ValueOf(step), x)
					return nil
				}
			}
		default:
			into[name] = func(s string) error { return setField(f, s) }
		}
	}
}

// unknownVariable reports an ORDERFLOW_ variable that names no key, with
// the nearest that does.
func unknownVariable(name string, fields map[string]func(string) error) error {
	names := make([]string, 0, len(fields))
	for n := range fields {
		names = append(names, n)
	}
	slices.Sort(names)
	if near, ok := suggest.Nearest(name, names); ok {
		return fmt.Errorf("%s: no such config key; did you mean %s?", name, near)
	}
	return fmt.Errorf("%s: no such config key", name)
}

var durationType = reflect.TypeFor[time.Duration]()

// setField sets f from s, or says in words what f wants.
func setField(f reflect.Value, s string) error {
	notA := fmt.Errorf("%q is not %s", s, wants(f.Type()))
	if f.Type() == durationType {
		d, err := time.ParseDuration(s)
		if err != nil {
			return notA
		}
		f.SetInt(int64(d))
		return nil
	}
	switch f.Kind() {
	case reflect.String:
		f.SetString(s)
	case reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return notA
		}
		f.SetBool(b)
	case reflect.Int, reflect.Int64:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return notA
		}
		f.SetInt(n)
	case reflect.Float64:
		x, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return notA
		}
		f.SetFloat(x)
	case reflect.Slice:
		var items []string
		for _, item := range strings.Split(s, ",") {
			if item = strings.TrimSpace(item); item != "" {
				items = append(items, item)
			}
		}
		f.Set(reflect.ValueOf(items))
	default:
		return fmt.Errorf("cannot set a %s from the environment", f.Kind())
	}
	return nil
}
