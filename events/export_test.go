package events

import "slices"

// MemberPath writes a JSON pointer's tokens as the decoder's messages name a
// member (items[0].quantity), for the schema tests.
func MemberPath(tokens []string) string { return pathOf(slices.Values(tokens)) }
