package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/orderflow/orderflow/app/suggest"
)

// decodeStrict decodes a config file over cfg, rejecting unknown keys and
// values of the wrong type. Each problem is one error in the user's words:
// the file and line, the key's path (kafka.embedded), what is wrong and, for
// a misspelt key, the nearest valid one. file names the file; "" for config
// that came from no file.
func decodeStrict(file string, data []byte, cfg *Config) error {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return syntaxError(err).in(file)
	}
	if len(doc.Content) == 0 {
		return nil // empty, or only comments
	}
	keys := keysIn(doc.Content[0], reflect.TypeFor[Config]())
	problems := keys.unknown
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	err := dec.Decode(cfg)
	var te *yaml.TypeError
	switch {
	case err == nil || errors.Is(err, io.EOF):
	case errors.As(err, &te):
		for _, e := range te.Errors {
			if !notFound.MatchString(e) { // keysIn said so, better
				problems = append(problems, keys.typeError(e))
			}
		}
	default:
		problems = append(problems, problem{msg: strings.TrimPrefix(err.Error(), "yaml: ")})
	}
	slices.SortStableFunc(problems, func(a, b problem) int { return a.line - b.line })
	errs := make([]error, len(problems))
	for i, p := range problems {
		errs[i] = p.in(file)
	}
	return errors.Join(errs...)
}

// problem is something wrong on a line of a config file (0: no line).
type problem struct {
	line int
	msg  string
}

// in says where the problem is, as compilers do: config.yaml:2: …, or
// line 2: … for config that came from no file.
func (p problem) in(file string) error {
	switch {
	case file != "" && p.line > 0:
		return fmt.Errorf("%s:%d: %s", file, p.line, p.msg)
	case file != "":
		return fmt.Errorf("%s: %s", file, p.msg)
	case p.line > 0:
		return fmt.Errorf("line %d: %s", p.line, p.msg)
	}
	return errors.New(p.msg)
}

var (
	notFound    = regexp.MustCompile("^line \\d+: field .* not found in type ")
	cannot      = regexp.MustCompile("^line (\\d+): cannot unmarshal !!(\\w+)(?: `(.*)`)? into ")
	syntaxWhere = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)
)

// parserProblems are the problems yaml.v3's parser (not its scanner)
// reports. For those it gives the line where the construct began counted
// from 0: an unclosed [ on line 2 is reported on "line 1".
var parserProblems = []string{
	"did not find expected ',' or ']'", "did not find expected ',' or '}'", "did not find expected '-' indicator",
	"did not find expected <document start>", "did not find expected <stream-start>", "did not find expected key",
	"did not find expected node content", "found duplicate %TAG directive", "found duplicate %YAML directive",
	"found incompatible YAML document", "found undefined tag handle",
}

// plainSyntax says some of yaml's syntax problems in plainer words.
var plainSyntax = map[string]string{
	"did not find expected ',' or ']'": "a [ list is not closed: expected , or ]",
	"did not find expected ',' or '}'": "a { map is not closed: expected , or }",
	"did not find expected key":        "expected a key here: check the indentation",
}

// syntaxError reports a YAML syntax error on the line where it is, counted
// from 1.
func syntaxError(err error) problem {
	m := syntaxWhere.FindStringSubmatch(err.Error())
	if m == nil {
		return problem{msg: strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	p := problem{msg: m[2]}
	p.line, _ = strconv.Atoi(m[1])
	if slices.Contains(parserProblems, p.msg) {
		p.line++
	}
	if plain, ok := plainSyntax[p.msg]; ok {
		p.msg = plain
	}
	return p
}

// fileKeys is what keysIn found in a config file: each value with its key's
// path and the type the key wants, and the keys that are no config key.
type fileKeys struct {
	values  []keyValue
	unknown []problem
}

type keyValue struct {
	path string
	node *yaml.Node
	want reflect.Type
}

// keysIn walks a config file's node tree beside the type t it decodes
// into.
func keysIn(n *yaml.Node, t reflect.Type) fileKeys {
	var k fileKeys
	k.walk(n, t, "")
	return k
}

func (k *fileKeys) walk(n *yaml.Node, t reflect.Type, path string) {
	if path != "" {
		k.values = append(k.values, keyValue{path: path, node: n, want: t})
	}
	switch {
	case n.Kind == yaml.MappingNode && t.Kind() == reflect.Struct:
		names := fieldNames(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			key, value := n.Content[i], n.Content[i+1]
			f, ok := names[key.Value]
			if !ok {
				k.unknown = append(k.unknown, unknownKey(key, join(path, key.Value), path, names))
				continue
			}
			k.walk(value, f, join(path, key.Value))
		}
	case n.Kind == yaml.MappingNode && t.Kind() == reflect.Map:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k.walk(n.Content[i+1], t.Elem(), join(path, n.Content[i].Value))
		}
	case n.Kind == yaml.SequenceNode && t.Kind() == reflect.Slice:
		for i, item := range n.Content {
			k.walk(item, t.Elem(), fmt.Sprintf("%s[%d]", path, i))
		}
	}
}

// typeError rewrites one of yaml's "cannot unmarshal" errors with the key's
// path and the kind of value it wants.
func (k *fileKeys) typeError(e string) problem {
	m := cannot.FindStringSubmatch(e)
	if m == nil {
		return problem{msg: e}
	}
	line, _ := strconv.Atoi(m[1])
	for _, v := range slices.Backward(k.values) { // the innermost value on the line
		if v.node.Line == line && strings.HasPrefix(v.node.Value, strings.TrimSuffix(m[3], "...")) && v.node.Tag == "!!"+m[2] {
			return problem{line: line, msg: fmt.Sprintf("%s: %s is not %s", v.path, given(v.node), wants(v.want))}
		}
	}
	return problem{msg: e}
}

// given names a value as the user wrote it.
func given(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a section of keys"
	}
	return strconv.Quote(n.Value)
}

// unknownKey reports a key that is no config key, with the nearest of its
// section's keys, else a key of the same name in another section.
func unknownKey(key *yaml.Node, path, section string, names map[string]reflect.Type) problem {
	p := problem{line: key.Line, msg: path + ": no such key"}
	if near, ok := suggest.Nearest(key.Value, keysOf(names)); ok {
		p.msg += "; did you mean " + join(section, near) + "?"
	} else if elsewhere := keyPaths(reflect.TypeFor[Config](), "", key.Value); len(elsewhere) > 0 {
		p.msg += "; did you mean " + strings.Join(elsewhere, " or ") + "?"
	}
	return p
}

// keyPaths lists the paths of the keys named name under t.
func keyPaths(t reflect.Type, prefix, name string) []string {
	var out []string
	for tag, f := range fieldNames(t) {
		switch {
		case tag == name:
			out = append(out, join(prefix, tag))
		case f.Kind() == reflect.Struct:
			out = append(out, keyPaths(f, join(prefix, tag), name)...)
		}
	}
	slices.Sort(out)
	return out
}

// fieldNames maps each of a struct's keys to its type.
func fieldNames(t reflect.Type) map[string]reflect.Type {
	names := map[string]reflect.Type{}
	for i := range t.NumField() {
		if tag, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); tag != "" && tag != "-" {
			names[tag] = t.Field(i).Type
		}
	}
	return names
}

func keysOf(m map[string]reflect.Type) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
