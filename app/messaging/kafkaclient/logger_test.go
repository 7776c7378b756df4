package kafkaclient

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/ThreeDotsLabs/watermill"
)

func TestWatermillLoggerLevels(t *testing.T) {
	for _, tc := range []struct {
		level      slog.Level
		want, skip []string
	}{
		{slog.LevelWarn, []string{"an error"}, []string{"an info", "a debug", "a trace"}},
		{slog.LevelDebug, []string{"an error", "an info", "a debug"}, []string{"a trace"}},
		{watermill.LevelTrace, []string{"an error", "an info", "a debug", "a trace"}, nil},
	} {
		var buf bytes.Buffer
		log := WatermillLogger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: tc.level}))).
			With(watermill.LogFields{"handler": "payments"})
		log.Error("an error", errors.New("boom"), nil)
		log.Info("an info", nil)
		log.Debug("a debug", nil)
		log.Trace("a trace", watermill.LogFields{"message_uuid": "m1"})
		out := buf.String()
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("at %v: %q not logged:\n%s", tc.level, w, out)
			}
		}
		for _, s := range tc.skip {
			if strings.Contains(out, s) {
				t.Errorf("at %v: %q logged:\n%s", tc.level, s, out)
			}
		}
		if !strings.Contains(out, "handler=payments") || !strings.Contains(out, "component=watermill") {
			t.Errorf("at %v: fields lost:\n%s", tc.level, out)
		}
	}
}
