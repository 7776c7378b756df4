package schemas_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/orderflow/orderflow/app/schemas"
	"github.com/orderflow/orderflow/events"
)

func TestChanges(t *testing.T) {
	before, _ := events.Schema(events.TypeOrderPlaced)
	tests := []struct {
		name string
		give func(string) string // the edit made to OrderPlaced's schema
		want []string
	}{
		{"none", func(s string) string { return s }, nil},
		{"required field removed", func(s string) string {
			s = strings.Replace(s, `"currency": {"$ref": "#/definitions/currency"},`, "", 1)
			return strings.Replace(s, `, "currency"]`, `]`, 1)
		}, []string{"required property currency removed"}},
		{"optional field added", func(s string) string {
			return strings.Replace(s, `"properties": {`, `"properties": {"gift_note": {"type": "string"},`, 1)
		}, []string{"optional property gift_note added"}},
		{"made required", func(s string) string {
			return strings.Replace(s, `"required": ["order_id",`, `"required": ["placed_at", "order_id",`, 1)
		}, []string{"property placed_at made required"}},
		{"nested bound narrowed", func(s string) string {
			return strings.Replace(s, `"maximum": 10000}`, `"maximum": 500}`, 1)
		}, []string{"items[].quantity: maximum 10000 → 500"}},
		{"referenced definition changed", func(s string) string {
			return strings.Replace(s, `"pattern": "^[A-Z]{3}$"`, `"pattern": "^[A-Z]{3,4}$"`, 1)
		}, []string{`currency: pattern "^[A-Z]{3}$" → "^[A-Z]{3,4}$"`}},
		{"opened", func(s string) string {
			return strings.Replace(s, `"additionalProperties": false,
  "required"`, `"additionalProperties": true,
  "required"`, 1)
		}, []string{"the event: other members now accepted"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			after := tt.give(string(before))
			if tt.want != nil && after == string(before) {
				t.Fatal("the edit changed nothing")
			}
			if got := schemas.Changes(before, []byte(after)); !slices.Equal(got, tt.want) {
				t.Errorf("Changes() = %q, want %q", got, tt.want)
			}
		})
	}
}
