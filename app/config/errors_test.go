package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orderflow/orderflow/app/config"
)

// A config problem is said in the user's words: the file and line, the
// key's path, what is wrong, the key most likely meant; an environment
// variable by its name and the kind of value it takes.
func TestErrorsInTheUsersWords(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		name    string
		give    string // the config file
		environ []string
		want    string // after "invalid config:\n  - "; FILE is the file's path
	}{
		{
			name: "misspelt key",
			give: "kafka:\n  embeded: true\n",
			want: "FILE:2: kafka.embeded: no such key; did you mean kafka.embedded?",
		},
		{
			name: "key in another section",
			give: "retry:\n  brokers: [127.0.0.1:9092]\n",
			want: "FILE:2: retry.brokers: no such key; did you mean kafka.brokers?",
		},
		{
			name: "wrong type",
			give: "kafka:\n  embedded: true\nretry:\n  max_attempts: lots\n",
			want: `FILE:4: retry.max_attempts: "lots" is not a whole number`,
		},
		{
			name: "a list for a string",
			give: "kafka:\n  client_id: [a, b]\n",
			want: `FILE:2: kafka.client_id: a list is not a string`,
		},
		{
			name: "unclosed list, reported where it opens",
			give: "kafka:\n  brokers: [127.0.0.1:9092\nretry:\n  max_attempts: 3\n",
			want: "FILE:2: a [ list is not closed: expected , or ]",
		},
		{
			name:    "environment value",
			environ: []string{"ORDERFLOW_RETRY_MAX_ATTEMPTS=abc"},
			want:    `ORDERFLOW_RETRY_MAX_ATTEMPTS: "abc" is not a whole number`,
		},
		{
			name:    "environment duration",
			environ: []string{"ORDERFLOW_RETRY_INITIAL_INTERVAL=5"},
			want:    `ORDERFLOW_RETRY_INITIAL_INTERVAL: "5" is not a duration (such as 90s, 2m or 1h30m)`,
		},
		{
			name:    "environment bool",
			environ: []string{"ORDERFLOW_KAFKA_EMBEDDED=maybe"},
			want:    `ORDERFLOW_KAFKA_EMBEDDED: "maybe" is not true or false`,
		},
		{
			name: "a transport that is gone",
			give: "kafka:\n  client: sarama\n",
			want: `kafka.client "sarama" is gone: its hand-written subscriber was replaced by franz (the default, franz-go) and watermill-kafka (the stock watermill-kafka transport, on Sarama)`,
		},
		{
			name: "exactly once on the reference transport",
			give: "kafka:\n  client: watermill-kafka\ndelivery:\n  guarantee: exactly_once\n",
			want: `delivery.guarantee exactly_once runs on franz-go's transactions: set kafka.client to franz`,
		},
		{
			name:    "misspelt variable",
			environ: []string{"ORDERFLOW_KAFKA_EMBEDED=true"},
			want:    "ORDERFLOW_KAFKA_EMBEDED: no such config key; did you mean ORDERFLOW_KAFKA_EMBEDDED?",
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(dir, "config.yaml")
			if err := os.WriteFile(file, []byte(tt.give), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := config.Load(file, tt.environ)
			want := "invalid config:\n  - " + strings.ReplaceAll(tt.want, "FILE", file)
			if err == nil || err.Error() != want {
				t.Errorf("Load:\n got %v\nwant %s", err, want)
			}
		})
	}
}
