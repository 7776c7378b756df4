package schemas

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// constraints are the keywords whose change Changes names by value.
var constraints = []string{"type", "format", "pattern", "enum", "const", "minimum", "maximum",
	"exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength", "minItems", "maxItems"}

// Changes names what differs between two JSON Schemas of one subject, from
// before to after, member by member (items[].quantity): properties removed
// or added, made required or optional, closed or opened to other members,
// and constraints changed. The registry decides what is compatible; this
// says what changed, so that its verdict can be acted on. A schema that
// does not parse is one change.
func Changes(before, after []byte) []string {
	var b, a map[string]any
	if err := json.Unmarshal(before, &b); err != nil {
		return []string{fmt.Sprintf("the registered schema is not JSON: %v", err)}
	}
	if err := json.Unmarshal(after, &a); err != nil {
		return []string{fmt.Sprintf("the new schema is not JSON: %v", err)}
	}
	d := differ{before: b, after: a}
	d.node("", b, a)
	return d.out
}

type differ struct {
	before, after map[string]any // the roots, for #/definitions/ references
	out           []string
}

func (d *differ) add(format string, a ...any) { d.out = append(d.out, fmt.Sprintf(format, a...)) }

// node compares the schemas of the member at path.
func (d *differ) node(path string, b, a map[string]any) {
	b, a = resolve(d.before, b), resolve(d.after, a)
	where := path
	if where == "" {
		where = "the event"
	}
	for _, kw := range constraints {
		bv, bok := b[kw]
		av, aok := a[kw]
		switch {
		case bok && !aok:
			d.add("%s: %s %s dropped", where, kw, show(bv))
		case !bok && aok:
			d.add("%s: %s %s added", where, kw, show(av))
		case bok && !reflect.DeepEqual(bv, av):
			d.add("%s: %s %s → %s", where, kw, show(bv), show(av))
		}
	}
	if closed(b) != closed(a) {
		if closed(a) {
			d.add("%s: other members now refused (additionalProperties false)", where)
		} else {
			d.add("%s: other members now accepted", where)
		}
	}
	d.properties(path, b, a)
	if bi, ok := b["items"].(map[string]any); ok {
		if ai, ok := a["items"].(map[string]any); ok {
			d.node(path+"[]", bi, ai)
		}
	}
}

// properties compares the members an object schema declares.
func (d *differ) properties(path string, b, a map[string]any) {
	bp, _ := b["properties"].(map[string]any)
	ap, _ := a["properties"].(map[string]any)
	breq, areq := required(b), required(a)
	names := make([]string, 0, len(bp)+len(ap))
	for n := range bp {
		names = append(names, n)
	}
	for n := range ap {
		if _, ok := bp[n]; !ok {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	for _, n := range names {
		member := n
		if path != "" {
			member = path + "." + n
		}
		bs, inB := bp[n].(map[string]any)
		as, inA := ap[n].(map[string]any)
		switch {
		case inB && !inA:
			d.add("%s property %s removed", kind(breq[n]), member)
		case !inB && inA:
			d.add("%s property %s added", kind(areq[n]), member)
		default:
			if breq[n] != areq[n] {
				d.add("property %s made %s", member, strings.ToLower(kind(areq[n])))
			}
			d.node(member, bs, as)
		}
	}
}

func kind(required bool) string {
	if required {
		return "required"
	}
	return "optional"
}

func required(s map[string]any) map[string]bool {
	names := map[string]bool{}
	list, _ := s["required"].([]any)
	for _, n := range list {
		if name, ok := n.(string); ok {
			names[name] = true
		}
	}
	return names
}

func closed(s map[string]any) bool { return s["additionalProperties"] == false }

// resolve follows a local reference (#/definitions/email) to its schema.
func resolve(root, s map[string]any) map[string]any {
	for range 8 { // a chain of references, not a cycle
		ref, ok := s["$ref"].(string)
		if !ok || !strings.HasPrefix(ref, "#/") {
			return s
		}
		var at any = root
		for tok := range strings.SplitSeq(strings.TrimPrefix(ref, "#/"), "/") {
			m, _ := at.(map[string]any)
			at = m[tok]
		}
		next, ok := at.(map[string]any)
		if !ok {
			return s
		}
		s = next
	}
	return s
}

func show(v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(data)
}
